import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetBucketEncryptionCommand, GetBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { errorMessage } from '@ralph-deploy/common';
import type { Finding } from '../../types.js';

const DAY_MS = 86_400_000;

/**
 * Client settings from the ambient environment (the default credential chain does the rest). An
 * AWS_ENDPOINT_URL (a local emulator, a VPC endpoint) needs path-style S3 addressing.
 */
export function awsClientConfig(): {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
} {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // The SDK waits forever by default; a check must answer in bounded time.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
  };
}

function awsError(what: string, e: unknown): Finding {
  const name = (e as { name?: string })?.name;
  return { level: 'fail', message: `${what}: ${name && name !== 'Error' ? `${name}: ` : ''}${errorMessage(e)}` };
}

/** Each secret exists, is not scheduled for deletion, has rotation enabled, and changed within `maxAgeDays`. */
export async function checkSecrets(
  ids: string[],
  maxAgeDays: number,
  requireRotation: boolean,
  now: Date,
): Promise<Finding[]> {
  const client = new SecretsManagerClient(awsClientConfig());
  const out: Finding[] = [];
  for (const id of ids) {
    try {
      const s = await client.send(new DescribeSecretCommand({ SecretId: id }));
      if (s.DeletedDate) {
        out.push({ level: 'fail', message: `secret ${id} is scheduled for deletion` });
        continue;
      }
      const changed = s.LastRotatedDate ?? s.LastChangedDate ?? s.CreatedDate;
      const age = changed ? Math.floor((now.getTime() - changed.getTime()) / DAY_MS) : undefined;
      const problems: string[] = [];
      if (requireRotation && !s.RotationEnabled) problems.push('rotation is not enabled');
      if (age === undefined) problems.push('no rotation or change date');
      else if (age > maxAgeDays) problems.push(`last rotated ${age} days ago (more than ${maxAgeDays})`);
      if (problems.length > 0) out.push({ level: 'fail', message: `secret ${id}: ${problems.join('; ')}` });
      else out.push({ level: 'pass', message: `secret ${id} exists, rotated ${age} days ago` });
    } catch (e: unknown) {
      out.push(awsError(`secret ${id}`, e));
    }
  }
  return out;
}

/** The RDS instance is Multi-AZ and encrypted at rest. */
export async function checkRds(instance: string): Promise<Finding[]> {
  try {
    const r = await new RDSClient(awsClientConfig()).send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }),
    );
    const db = r.DBInstances?.[0];
    if (!db) return [{ level: 'fail', message: `RDS instance ${instance} not found` }];
    const out: Finding[] = [];
    if (!db.MultiAZ) out.push({ level: 'fail', message: `RDS instance ${instance} is not Multi-AZ` });
    if (!db.StorageEncrypted)
      out.push({ level: 'fail', message: `RDS instance ${instance} storage is not encrypted at rest` });
    if (out.length === 0)
      out.push({
        level: 'pass',
        message: `RDS instance ${instance} (${db.Engine} ${db.EngineVersion}) is Multi-AZ and encrypted`,
      });
    return out;
  } catch (e: unknown) {
    return [awsError(`RDS instance ${instance}`, e)];
  }
}

/**
 * The ElastiCache replication group fails over automatically. A standalone cache cluster (what
 * the guide's create-cache-cluster makes) has no replica to fail over to: reported as such.
 */
export async function checkElastiCache(id: string): Promise<Finding[]> {
  const client = new ElastiCacheClient(awsClientConfig());
  try {
    const r = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    const g = r.ReplicationGroups?.[0];
    if (!g) return [{ level: 'fail', message: `ElastiCache replication group ${id} not found` }];
    if (g.AutomaticFailover !== 'enabled')
      return [
        {
          level: 'fail',
          message: `ElastiCache replication group ${id}: automatic failover is ${g.AutomaticFailover ?? 'disabled'}`,
        },
      ];
    return [
      {
        level: 'pass',
        message: `ElastiCache replication group ${id} has automatic failover enabled${g.MultiAZ === 'enabled' ? ' and Multi-AZ' : ''}`,
      },
    ];
  } catch (e: unknown) {
    if ((e as { name?: string })?.name === 'ReplicationGroupNotFoundFault') {
      try {
        const c = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id }));
        if (c.CacheClusters?.[0])
          return [
            {
              level: 'fail',
              message: `${id} is a standalone cache cluster, not a replication group: it cannot fail over automatically`,
            },
          ];
      } catch {
        /* fall through to the original error */
      }
    }
    return [awsError(`ElastiCache replication group ${id}`, e)];
  }
}

/** The backup bucket keeps versions and encrypts objects by default. */
export async function checkS3Bucket(bucket: string): Promise<Finding[]> {
  const client = new S3Client(awsClientConfig());
  const out: Finding[] = [];
  try {
    const v = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    if (v.Status === 'Enabled') out.push({ level: 'pass', message: `bucket ${bucket} is versioned` });
    else out.push({ level: 'fail', message: `bucket ${bucket} versioning is ${v.Status ?? 'not enabled'}` });
  } catch (e: unknown) {
    return [awsError(`bucket ${bucket}`, e)];
  }
  try {
    const enc = await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const algos = (enc.ServerSideEncryptionConfiguration?.Rules ?? [])
      .map((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm)
      .filter(Boolean);
    if (algos.length > 0)
      out.push({ level: 'pass', message: `bucket ${bucket} encrypts by default (${algos.join(', ')})` });
    else out.push({ level: 'fail', message: `bucket ${bucket} has no default encryption rule` });
  } catch (e: unknown) {
    if ((e as { name?: string })?.name === 'ServerSideEncryptionConfigurationNotFoundError')
      out.push({ level: 'fail', message: `bucket ${bucket} has no default encryption configured` });
    else out.push(awsError(`bucket ${bucket} encryption`, e));
  }
  return out;
}
