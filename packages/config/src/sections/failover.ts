import { input } from '../inputs.js';

/** failover's inputs: the contract shared by action.yml, its README and the spec's `failover` section. */
export const failoverInputs = {
  confirm: input.string({
    description:
      'Must equal the environment name (input `environment`) before anything changes. Not needed for dry-run.',
    inputOnly: true,
  }),
  force: input.boolean({
    description:
      'Skip the primary-down confirmation and continue even if the primary still answers healthy (a warning is kept). Default false.',
    default: false,
    inputOnly: true,
  }),
  'primary-health-url': input.url({
    description: "The primary's health endpoint (e.g. https://ralph.example.com/health). Required unless `force`.",
    protocols: ['http', 'https'],
  }),
  'failure-threshold': input.number({
    description: 'Consecutive failed health probes that confirm the primary is down. Default 3.',
    default: 3,
    integer: true,
    min: 1,
    max: 100,
  }),
  'probe-interval': input.duration({
    description: 'Pause between primary health probes. Default 10s.',
    default: '10s',
    max: '5m',
  }),
  'probe-timeout': input.duration({
    description: 'Deadline of one health probe; a slower answer counts as a failure. Default 5s.',
    default: '5s',
    min: '100ms',
    max: '2m',
  }),
  'primary-database-url': input.secret({
    description:
      'PostgreSQL URL of the old primary database (masked). When it is reachable, the database is made read-only and its other sessions are ended so two primaries never take writes.',
  }),
  'aws-region': input.string({
    description: 'AWS region of the replica. Default: the ambient AWS_REGION. SNS uses the region in `sns-topic-arn`.',
  }),
  'replica-db-instance': input.string({
    description: 'Identifier of the RDS read replica to promote.',
    required: true,
  }),
  'promote-timeout': input.duration({
    description: 'How long to wait for the promoted instance to become available. Default 30m.',
    default: '30m',
  }),
  'hosted-zone-id': input.string({ description: 'Route53 hosted zone of the record to repoint.', required: true }),
  'record-name': input.string({
    description: 'DNS name to repoint to the standby (e.g. ralph.example.com).',
    required: true,
  }),
  'record-type': input.enum(['CNAME', 'A', 'AAAA'] as const, {
    description:
      'Record type. CNAME by default; A or AAAA need `standby-target-zone-id` (an alias record). Default CNAME.',
    default: 'CNAME',
  }),
  'record-ttl': input.number({
    description: 'TTL in seconds of a CNAME record. Default 60.',
    default: 60,
    integer: true,
    min: 0,
    max: 604800,
  }),
  'standby-target': input.string({
    description: "The standby's DNS name the record must point at (CNAME value or alias target).",
    required: true,
  }),
  'standby-target-zone-id': input.string({
    description:
      'Hosted zone id of the alias target (e.g. the standby load balancer). When set, the record is written as an alias.',
  }),
  'dns-timeout': input.duration({
    description: 'How long to wait for the Route53 change to be INSYNC. Default 5m.',
    default: '5m',
  }),
  kubeconfig: input.string({
    description: 'Path of the kubeconfig for the standby cluster. Default: KUBECONFIG or ~/.kube/config.',
  }),
  'standby-context': input.string({
    description: 'Kubeconfig context of the standby cluster. Default: the current context.',
  }),
  'standby-namespace': input.string({
    description: 'Namespace of the standby Deployment. Default default.',
    default: 'default',
  }),
  'standby-deployment': input.string({ description: 'Name of the standby Deployment to scale.', required: true }),
  'standby-replicas': input.number({
    description: 'Replicas of the standby Deployment after failover. Default 5.',
    default: 5,
    integer: true,
    min: 1,
  }),
  'rollout-timeout': input.duration({
    description: 'How long to wait for the standby Deployment to be ready. Default 10m.',
    default: '10m',
  }),
  'standby-health-url': input.url({
    description: "The standby's health endpoint, smoke-tested after scaling (e.g. https://standby.example.com/health).",
    required: true,
    protocols: ['http', 'https'],
  }),
  'smoke-timeout': input.duration({
    description: 'How long the standby may take to answer healthy. Default 5m.',
    default: '5m',
  }),
  'sns-topic-arn': input.string({
    description: 'SNS topic notified with the timeline and recovery time.',
    required: true,
    pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/,
    patternHint: 'is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
  }),
  rto: input.duration({
    description: 'Recovery time objective the measured recovery time is compared with. Default 4h.',
    default: '4h',
  }),
};
