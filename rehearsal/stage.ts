// The local stage the rehearsal and the workflow tests deploy to: a real PostgreSQL 15, a backup
// directory, the reference service (real HTTP, probed for real) and the Kubernetes API simulator
// (test/kube-fake: NOT a cluster) with the guide's Deployment, plus a consumer workspace (spec,
// checklists, migrations, manifests) copied from examples/.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { repoRoot } from '@ralph-deploy/workflow-sim';
import { startPostgres, type PostgresService } from '../test/harness/services.js';
import { startKubeFake, type KubeFake } from '../test/kube-fake/index.js';
import { startReferenceService, type ReferenceService } from './reference-service.js';

export const ENVIRONMENT = 'production';
export const GOOD_IMAGE = 'ghcr.io/mikeyobrien/ralph-orchestrator:v1.0.1';
/** The simulator makes pods of this image crash on start (CrashLoopBackOff). */
export const BROKEN_IMAGE = 'ghcr.io/mikeyobrien/ralph-orchestrator:v1.0.2-broken';

export interface Stage {
  workspace: string;
  specPath: string;
  postgres: PostgresService;
  kube: KubeFake;
  service: ReferenceService;
  /** DATABASE_URL for the workflow's secrets. */
  databaseUrl: string;
  /** Environment every step gets (KUBECONFIG of the simulator). */
  env: Record<string, string>;
  /** Rewrites sections of the rehearsal environment's spec (for scenario tests). */
  editSpec(edit: (env: Record<string, Record<string, unknown>>) => void): void;
  stop(): Promise<void>;
}

export async function createStage(options: { timeScale?: number } = {}): Promise<Stage> {
  const root = mkdtempSync(join(tmpdir(), 'ralph-stage-'));
  const workspace = join(root, 'workspace');
  const backups = join(root, 'backups');
  mkdirSync(backups, { recursive: true });
  mkdirSync(join(workspace, '.github/checklists'), { recursive: true });
  cpSync(join(repoRoot, 'examples/db/migrations'), join(workspace, 'db/migrations'), { recursive: true });
  cpSync(join(repoRoot, 'examples/k8s'), join(workspace, 'k8s'), { recursive: true });
  cpSync(join(repoRoot, 'examples/config'), join(workspace, 'config'), { recursive: true });
  cpSync(join(repoRoot, 'rehearsal/checklists.yml'), join(workspace, '.github/checklists/rehearsal.yml'));

  const [postgres, kube, service] = await Promise.all([
    startPostgres(),
    startKubeFake({ timeScale: options.timeScale ?? 4, namespaces: [] }),
    startReferenceService(),
  ]);
  const databaseUrl = await postgres.createDatabase('ralph_production');
  // The Deployment that is live before the first deploy (revision 1), from the corrected manifests.
  kube.setBehaviour(BROKEN_IMAGE, { startSeconds: 1, exitAfterSeconds: 1, exitCode: 1, exitReason: 'Error' });

  const specPath = join(workspace, '.github/ralph-deploy.yml');
  const spec = {
    version: 1,
    environments: {
      [ENVIRONMENT]: {
        url: service.url,
        'preflight-check': {
          checklist: '.github/checklists/rehearsal.yml',
          manifests: ['k8s'],
          'env-file': 'config/.env.production',
          'database-url': { env: 'DATABASE_URL' },
          url: service.url,
        },
        backup: { destination: `file://${backups}`, 'keep-last': 5, 'max-age': '1h' },
        'migrate-db': { migrations: 'db/migrations' },
        'deploy-rollout': {
          namespace: 'production',
          deployment: 'ralph-orchestrator',
          container: 'ralph',
          manifests: ['k8s'],
          'health-url': `${service.url}/health`,
          'verify-duration': '2s',
          kubeconfig: kube.kubeconfigPath,
        },
        // Failover targets (the rehearsal never fails over; a dispatch there is refused or dry-run).
        failover: {
          'primary-health-url': `${service.url}/health`,
          'replica-db-instance': 'ralph-standby-db',
          'hosted-zone-id': 'Z0REHEARSAL',
          'record-name': 'ralph.example.com',
          'standby-target': 'ralph-standby.example.com',
          'standby-namespace': 'production',
          'standby-deployment': 'ralph-orchestrator',
          'standby-health-url': `${service.url}/health`,
          'sns-topic-arn': 'arn:aws:sns:us-east-1:123456789012:alerts',
        },
        'smoke-test': {
          'base-url': service.url,
          requests: 400,
          concurrency: 4,
          thresholds: ['p(95)<500', 'rate<0.001'],
        },
      } as Record<string, Record<string, unknown> | string>,
    },
  };
  const write = () =>
    writeFileSync(specPath, `# Written by rehearsal/stage.ts\n${yaml.dump(spec, { lineWidth: 120 })}`);
  write();

  return {
    workspace,
    specPath,
    postgres,
    kube,
    service,
    databaseUrl,
    env: { KUBECONFIG: kube.kubeconfigPath, DATABASE_URL: databaseUrl },
    editSpec: (edit) => {
      edit(spec.environments[ENVIRONMENT] as Record<string, Record<string, unknown>>);
      write();
    },
    stop: async () => {
      await Promise.allSettled([postgres.stop(), kube.stop(), service.stop()]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
