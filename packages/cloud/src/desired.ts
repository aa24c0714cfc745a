/**
 * The desired infrastructure, as the spec's `provision.infrastructure` declares it (validated by the
 * zod schema in @ralph-deploy/config, which fills the defaults). Keys are kebab-case like the spec.
 */
export interface Infrastructure {
  /** Extra tags (labels on GCP) for every resource. */
  tags: Record<string, string>;
  aws?: AwsInfrastructure | undefined;
  gcp?: GcpInfrastructure | undefined;
}

export interface AwsInfrastructure {
  vpc?: AwsVpc | undefined;
  cluster?: AwsCluster | undefined;
  database?: AwsDatabase | undefined;
  cache?: AwsCache | undefined;
  'backup-bucket'?: AwsBackupBucket | undefined;
}

export interface AwsVpc {
  name: string;
  cidr: string;
  subnets: { zone: string; cidr: string }[];
}

export interface AwsNodeGroup {
  name: string;
  'instance-types': string[];
  'min-size': number;
  'max-size': number;
  'desired-size': number;
  'disk-size': number;
  'capacity-type': 'ON_DEMAND' | 'SPOT';
  'node-role-arn': string;
}

export interface AwsCluster {
  name: string;
  version: string;
  'role-arn': string;
  'node-group': AwsNodeGroup;
}

export interface AwsDatabase {
  identifier: string;
  engine: 'postgres';
  'engine-version': string;
  'instance-class': string;
  'allocated-storage': number;
  'storage-type': string;
  'multi-az': boolean;
  'backup-retention-days': number;
  'storage-encrypted': boolean;
  'deletion-protection': boolean;
  'master-username': string;
  /** Secrets Manager name of the generated master password; default `ralph-deploy/<environment>/<identifier>/master`. */
  'password-secret-name'?: string | undefined;
  'subnet-group'?: string | undefined;
  'read-replica'?: { identifier: string; 'instance-class'?: string | undefined } | undefined;
}

export interface AwsCache {
  id: string;
  'node-type': string;
  /** Primary plus replicas (the guide's 3). */
  nodes: number;
  'engine-version'?: string | undefined;
  'automatic-failover': boolean;
  'multi-az': boolean;
  'at-rest-encryption': boolean;
  'transit-encryption': boolean;
  'subnet-group'?: string | undefined;
}

export interface AwsBackupBucket {
  name: string;
  versioning: boolean;
  encryption: 'AES256' | 'aws:kms';
  'kms-key-id'?: string | undefined;
  'block-public-access': boolean;
  lifecycle: {
    prefix: string;
    'expire-days'?: number | undefined;
    'noncurrent-expire-days'?: number | undefined;
    'abort-incomplete-upload-days': number;
  };
}

export interface GcpInfrastructure {
  project: string;
  cluster?: GcpCluster | undefined;
  database?: GcpDatabase | undefined;
  cache?: GcpCache | undefined;
}

export interface GcpCluster {
  name: string;
  /** A zone (us-central1-a) makes a zonal cluster, a region (us-central1) a regional one. */
  location: string;
  'machine-type': string;
  'num-nodes': number;
  'min-nodes': number;
  'max-nodes': number;
  'enable-autorepair': boolean;
  'enable-autoupgrade': boolean;
  'release-channel'?: string | undefined;
  'node-pool': string;
}

export interface GcpDatabase {
  name: string;
  'database-version': string;
  cpu: number;
  /** e.g. 16GB */
  memory: string;
  region: string;
  'availability-type': 'REGIONAL' | 'ZONAL';
  'backup-start-time': string;
  'storage-size-gb'?: number | undefined;
  'deletion-protection': boolean;
}

export interface GcpCache {
  name: string;
  'size-gb': number;
  region: string;
  'redis-version': string;
  tier: 'STANDARD_HA' | 'BASIC';
}
