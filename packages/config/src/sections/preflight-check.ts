import { z } from 'zod';
import { input } from '../inputs.js';

/** A check: a kind plus that kind's parameters (validated by the checklist package). */
const checkShape = z.union([z.string(), z.looseObject({ kind: z.string() })]);
const itemShape = z.strictObject({
  id: z.string(),
  title: z.string(),
  'title-en': z.string().optional(),
  group: z.string().optional(),
  'group-en': z.string().optional(),
  severity: z.enum(['block', 'warn']).optional(),
  manual: z.boolean().optional(),
  check: checkShape.optional(),
  checks: z.array(checkShape).optional(),
});
const checklistShape = z.strictObject({
  phases: z.record(
    z.string(),
    z.strictObject({
      title: z.string().optional(),
      'title-en': z.string().optional(),
      include: z.array(z.string()).optional(),
      items: z.array(itemShape).optional(),
    }),
  ),
});

/** preflight-check's inputs: the contract shared by action.yml, its README and the spec's `preflight-check` section. */
export const preflightCheckInputs = {
  phase: input.list({
    description:
      "Checklist phase(s) to evaluate, with the phases they include (pre-deploy includes infrastructure and security in the guide's list). Default pre-deploy.",
    default: ['pre-deploy'],
  }),
  checklist: input.structured(z.union([z.string(), checklistShape]), {
    description:
      "A checklist file (YAML, path relative to the workspace) or, in the spec, the checklist itself ({ phases: ... }). Default: the guide's checklists shipped with the action.",
  }),
  attest: input.list({
    description: 'Ids of manual items a person has verified (one per line or comma-separated).',
    default: [],
  }),
  'approval-environment': input.string({
    description:
      "When set, an approved deployment review of this workflow run for that GitHub Environment attests every manual item (read with 'github-token').",
  }),
  'fail-on': input.enum(['block', 'warn', 'never'] as const, {
    description:
      'When the step fails: block (a blocking item failed or is unattested), warn (also on warnings and unchecked items) or never. Default block.',
    default: 'block',
  }),
  manifests: input.list({
    description:
      "Kubernetes manifest files or directories (searched for .yaml/.yml). Default k8s/production (the guide's layout; skipped when absent).",
    default: ['k8s/production'],
  }),
  'env-file': input.string({
    description:
      'Env file checked against the schema and for committed secrets. Default .env.production (skipped when absent).',
    default: '.env.production',
  }),
  'prometheus-config': input.string({
    description:
      'Prometheus configuration checked with promtool check config. Default monitoring/prometheus.yaml (skipped when absent).',
    default: 'monitoring/prometheus.yaml',
  }),
  'prometheus-rules': input.list({
    description:
      "Prometheus rule files checked with promtool check rules and for the guide's alerts. Default: the config's rule_files.",
  }),
  'promtool-version': input.string({
    description: 'promtool version installed through the tool cache. Default 2.28.1.',
    default: '2.28.1',
    pattern: /^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/,
    patternHint: 'is not a version such as 2.28.1',
  }),
  'promtool-sha256': input.string({
    description:
      'sha256 of the promtool release archive; required for versions and platforms without a pinned checksum.',
    pattern: /^[0-9a-fA-F]{64}$/,
    patternHint: 'is not a sha256 (64 hex digits)',
  }),
  'tool-mirror-url': input.string({
    description:
      'Where release archives are downloaded from: a URL pattern with {version}, {os} and {arch}, or a base URL followed by v{version}/prometheus-{version}.{os}-{arch}.tar.gz. Default https://github.com/prometheus/prometheus/releases/download/v{version}/prometheus-{version}.{os}-{arch}.tar.gz.',
    default:
      'https://github.com/prometheus/prometheus/releases/download/v{version}/prometheus-{version}.{os}-{arch}.tar.gz',
  }),
  'database-url': input.secret({ description: 'PostgreSQL URL for the reachability and version check (masked).' }),
  'redis-url': input.secret({ description: 'Redis URL (redis:// or rediss://) for the reachability check (masked).' }),
  url: input.url({
    description:
      "The service's base URL (e.g. https://ralph.example.com): health, readiness, TLS certificate and DNS checks.",
    protocols: ['http', 'https'],
  }),
  'github-token': input.secret({
    description:
      'Token for check runs, code-scanning alerts, releases and environment approvals (e.g. github.token). Without it those checks are skipped.',
  }),
  'aws-secrets': input.list({
    description: 'AWS Secrets Manager secret ids or ARNs that must exist and be rotated (ambient AWS credentials).',
  }),
  'rds-instance': input.string({
    description: 'RDS instance identifier checked for Multi-AZ and encryption at rest (e.g. ralph-prod-db).',
  }),
  'elasticache-replication-group': input.string({
    description: 'ElastiCache replication group checked for automatic failover (e.g. ralph-prod-cache).',
  }),
  'backup-bucket': input.string({
    description: 'S3 bucket of the backups, checked for versioning and default encryption (e.g. ralph-backups).',
  }),
};
