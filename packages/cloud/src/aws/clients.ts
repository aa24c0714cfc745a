import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface AwsClients {
  region: string;
  ec2: EC2Client;
  eks: EKSClient;
  rds: RDSClient;
  elasticache: ElastiCacheClient;
  s3: S3Client;
  secrets: SecretsManagerClient;
}

/**
 * SDK clients on the default credential chain (what aws-actions/configure-aws-credentials sets up).
 * `endpoint` (or AWS_ENDPOINT_URL) points every client at one endpoint, e.g. a local emulator; S3 then
 * uses path-style addressing because bucket subdomains of a local host do not resolve.
 */
export function awsClients(
  region: string,
  endpoint: string | undefined = process.env['AWS_ENDPOINT_URL'] || undefined,
): AwsClients {
  const common = { region, ...(endpoint ? { endpoint } : {}), maxAttempts: 5 };
  return {
    region,
    ec2: new EC2Client(common),
    eks: new EKSClient(common),
    rds: new RDSClient(common),
    elasticache: new ElastiCacheClient(common),
    s3: new S3Client({ ...common, ...(endpoint ? { forcePathStyle: true } : {}) }),
    secrets: new SecretsManagerClient(common),
  };
}

/** AWS SDK v3 errors carry the service's error code as `name`. */
export function isAwsError(e: unknown, ...codes: string[]): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const name = (e as { name?: unknown }).name;
  const code = (e as { Code?: unknown }).Code;
  return codes.some((c) => c === name || c === code);
}

export function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
