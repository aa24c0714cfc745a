import { z } from 'zod';
import { input } from '../inputs.js';

const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be an IPv4 CIDR like 10.0.0.0/16');
const name = (what: string) => z.string().min(1).describe(what);
const arn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)');

const awsSchema = z.strictObject({
  vpc: z
    .strictObject({
      name: name('Name tag of the VPC (with the managed/environment tags it identifies the VPC).'),
      cidr: cidr.describe('VPC CIDR block (fixed at creation).'),
      subnets: z
        .array(z.strictObject({ zone: z.string().min(1).describe('Availability zone, e.g. us-west-2a.'), cidr }))
        .min(2)
        .describe('One public subnet per availability zone; at least two zones.'),
    })
    .optional(),
  cluster: z
    .strictObject({
      name: name('EKS cluster name.'),
      version: z
        .string()
        .regex(/^\d+\.\d+$/, 'must be like 1.31')
        .describe('Kubernetes version (upgraded one minor at a time; never downgraded).'),
      'role-arn': arn.describe('IAM role of the EKS control plane (AmazonEKSClusterPolicy).'),
      'node-group': z.strictObject({
        name: z.string().min(1).default('workers'),
        'instance-types': z.array(z.string().min(1)).min(1).default(['m5.xlarge']),
        'min-size': z.number().int().min(0).default(2),
        'max-size': z.number().int().min(1).default(10),
        'desired-size': z
          .number()
          .int()
          .min(0)
          .default(3)
          .describe('Applied at creation; afterwards the autoscaler owns it.'),
        'disk-size': z.number().int().min(1).default(100).describe('GiB per node.'),
        'capacity-type': z.enum(['ON_DEMAND', 'SPOT']).default('ON_DEMAND'),
        'node-role-arn': arn.describe(
          'IAM role of the nodes (AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy, AmazonEC2ContainerRegistryReadOnly).',
        ),
      }),
    })
    .refine((c) => c['node-group']['min-size'] <= c['node-group']['max-size'], {
      message: 'node-group min-size must not exceed max-size',
    })
    .refine(
      (c) =>
        c['node-group']['desired-size'] >= c['node-group']['min-size'] &&
        c['node-group']['desired-size'] <= c['node-group']['max-size'],
      {
        message: 'node-group desired-size must lie between min-size and max-size',
      },
    )
    .optional(),
  database: z
    .strictObject({
      identifier: name('RDS instance identifier.'),
      engine: z.literal('postgres').default('postgres'),
      'engine-version': z
        .string()
        .regex(/^\d+(\.\d+)?$/, 'must be like 15 or 15.4')
        .default('15'),
      'instance-class': z.string().default('db.t3.large'),
      'allocated-storage': z.number().int().min(20).default(100).describe('GB; can grow, never shrink.'),
      'storage-type': z.string().default('gp3'),
      'multi-az': z.boolean().default(true),
      'backup-retention-days': z.number().int().min(0).max(35).default(30),
      'storage-encrypted': z.boolean().default(true),
      'deletion-protection': z.boolean().default(true),
      'master-username': z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/)
        .default('ralph'),
      'password-secret-name': z
        .string()
        .optional()
        .describe(
          'Secrets Manager name for the generated master password (default ralph-deploy/<environment>/<identifier>/master).',
        ),
      'subnet-group': z.string().optional().describe('DB subnet group name (default <identifier>-subnets).'),
      'read-replica': z
        .strictObject({ identifier: z.string().min(1), 'instance-class': z.string().optional() })
        .optional()
        .describe('A read replica kept ready for failover.'),
    })
    .optional(),
  cache: z
    .strictObject({
      id: name('ElastiCache replication group id.'),
      'node-type': z.string().default('cache.r6g.large'),
      nodes: z.number().int().min(2).max(6).default(3).describe('Primary plus replicas.'),
      'engine-version': z.string().optional(),
      'automatic-failover': z.boolean().default(true),
      'multi-az': z.boolean().default(true),
      'at-rest-encryption': z.boolean().default(true),
      'transit-encryption': z.boolean().default(true),
      'subnet-group': z.string().optional().describe('Cache subnet group name (default <id>-subnets).'),
    })
    .optional(),
  'backup-bucket': z
    .strictObject({
      name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
      versioning: z.boolean().default(true),
      encryption: z.enum(['AES256', 'aws:kms']).default('AES256'),
      'kms-key-id': z.string().optional(),
      'block-public-access': z.boolean().default(true),
      lifecycle: z
        .strictObject({
          prefix: z.string().default(''),
          'expire-days': z.number().int().min(1).optional(),
          'noncurrent-expire-days': z.number().int().min(1).optional(),
          'abort-incomplete-upload-days': z.number().int().min(1).default(7),
        })
        .default({ prefix: '', 'expire-days': 30, 'noncurrent-expire-days': 30, 'abort-incomplete-upload-days': 7 }),
    })
    .optional(),
});

const gcpSchema = z.strictObject({
  project: z.string().min(1).describe('GCP project id.'),
  cluster: z
    .strictObject({
      name: name('GKE cluster name.'),
      location: z.string().min(1).describe('Zone (zonal cluster) or region (regional cluster).'),
      'machine-type': z.string().default('n2-standard-4'),
      'num-nodes': z.number().int().min(1).default(3),
      'min-nodes': z.number().int().min(0).default(2),
      'max-nodes': z.number().int().min(1).default(10),
      'enable-autorepair': z.boolean().default(true),
      'enable-autoupgrade': z.boolean().default(true),
      'release-channel': z.enum(['rapid', 'regular', 'stable', 'extended', 'None']).optional(),
      'node-pool': z.string().default('default-pool'),
    })
    .refine((c) => c['min-nodes'] <= c['max-nodes'], { message: 'min-nodes must not exceed max-nodes' })
    .optional(),
  database: z
    .strictObject({
      name: name('Cloud SQL instance name.'),
      'database-version': z
        .string()
        .regex(/^POSTGRES_\d+$/)
        .default('POSTGRES_15'),
      cpu: z.number().int().min(1).default(4),
      memory: z
        .string()
        .regex(/^\d+(\.\d+)?\s*(GB|GiB|MB|MiB)$/i)
        .default('16GB'),
      region: z.string().min(1),
      'availability-type': z.enum(['REGIONAL', 'ZONAL']).default('REGIONAL'),
      'backup-start-time': z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM')
        .default('03:00'),
      'storage-size-gb': z.number().int().min(10).optional(),
      'deletion-protection': z.boolean().default(true),
    })
    .optional(),
  cache: z
    .strictObject({
      name: name('Memorystore instance name.'),
      'size-gb': z.number().int().min(1).default(5),
      region: z.string().min(1),
      'redis-version': z
        .string()
        .regex(/^redis_\d+_[0-9x]+$/i)
        .default('redis_6_x'),
      tier: z.enum(['STANDARD_HA', 'BASIC']).default('STANDARD_HA'),
    })
    .optional(),
});

/** The desired infrastructure (`provision.infrastructure` in the spec). */
export const infrastructureSchema = z.strictObject({
  tags: z.record(z.string(), z.string()).default({}).describe('Tags (labels on GCP) for every resource.'),
  aws: awsSchema.optional(),
  gcp: gcpSchema.optional(),
});

/** provision's inputs: the contract shared by action.yml, its README and the spec's `provision` section. */
export const provisionInputs = {
  provider: input.enum(['aws', 'gcp'] as const, {
    description: 'Cloud provider whose part of `infrastructure` is provisioned. Default aws.',
    default: 'aws',
  }),
  region: input.string({
    description:
      'AWS region (e.g. us-west-2); default $AWS_REGION, as configure-aws-credentials sets it. GCP locations are part of `infrastructure`.',
  }),
  infrastructure: input.structured(infrastructureSchema, {
    description:
      'The desired infrastructure (YAML or JSON): VPC, EKS cluster and node group, RDS PostgreSQL, ElastiCache Redis, S3 backup bucket; or GKE, Cloud SQL, Memorystore. Usually set in the spec.',
  }),
  apply: input.boolean({ description: 'Execute the plan. Default false: print the plan only.', default: false }),
  'acknowledge-replacement': input.list({
    description:
      'Replacement drift to accept without failing, as <kind>/<name>, <name>, <name>.<field> or *. Nothing is ever destroyed: acknowledged replacements are reported as manual steps. Default none.',
    default: [],
  }),
  'write-kubeconfig': input.string({
    description:
      'Write a kubeconfig entry (exec auth: aws eks get-token / gke-gcloud-auth-plugin) for the cluster: "true" for $KUBECONFIG (default ~/.kube/config), or a file path.',
  }),
};
