import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type LifecycleRule,
  type PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import { ActionError } from '@ralph-deploy/common';
import { DiffBuilder, tagList, tagMap } from '../engine/diff.js';
import type { ResourceModule } from '../engine/types.js';
import type { AwsBackupBucket } from '../desired.js';
import { httpStatus, isAwsError } from './clients.js';
import { KIND, type AwsContext } from './context.js';
import { managedTags } from './tags.js';

/** The id of the one lifecycle rule provision owns; other rules on the bucket are kept as they are. */
export const LIFECYCLE_RULE_ID = 'ralph-deploy-retention';

export interface BucketState {
  name: string;
  versioning: string;
  encryption: { algorithm: string; kmsKeyId: string | undefined } | undefined;
  publicAccessBlock: PublicAccessBlockConfiguration | undefined;
  rules: LifecycleRule[];
  tags: Record<string, string>;
}

interface OurRule {
  prefix: string;
  'expire-days': number | null;
  'noncurrent-expire-days': number | null;
  'abort-incomplete-upload-days': number | null;
}

function desiredRule(d: AwsBackupBucket): OurRule {
  return {
    prefix: d.lifecycle.prefix,
    'expire-days': d.lifecycle['expire-days'] ?? null,
    'noncurrent-expire-days': d.lifecycle['noncurrent-expire-days'] ?? null,
    'abort-incomplete-upload-days': d.lifecycle['abort-incomplete-upload-days'],
  };
}

function actualRule(rules: LifecycleRule[]): OurRule | null {
  const r = rules.find((x) => x.ID === LIFECYCLE_RULE_ID);
  if (!r || r.Status !== 'Enabled') return null;
  return {
    prefix: r.Filter?.Prefix ?? r.Prefix ?? '',
    'expire-days': r.Expiration?.Days ?? null,
    'noncurrent-expire-days': r.NoncurrentVersionExpiration?.NoncurrentDays ?? null,
    'abort-incomplete-upload-days': r.AbortIncompleteMultipartUpload?.DaysAfterInitiation ?? null,
  };
}

function toLifecycleRule(r: OurRule): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { Prefix: r.prefix },
    ...(r['expire-days'] !== null ? { Expiration: { Days: r['expire-days'] } } : {}),
    ...(r['noncurrent-expire-days'] !== null
      ? { NoncurrentVersionExpiration: { NoncurrentDays: r['noncurrent-expire-days'] } }
      : {}),
    ...(r['abort-incomplete-upload-days'] !== null
      ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r['abort-incomplete-upload-days'] } }
      : {}),
  };
}

const BLOCK_ALL: PublicAccessBlockConfiguration = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

function blocksAll(p: PublicAccessBlockConfiguration | undefined): boolean {
  return (
    !!p &&
    p.BlockPublicAcls === true &&
    p.IgnorePublicAcls === true &&
    p.BlockPublicPolicy === true &&
    p.RestrictPublicBuckets === true
  );
}

async function optional<T>(fn: () => Promise<T>, ...missing: string[]): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e: unknown) {
    if (isAwsError(e, ...missing)) return undefined;
    throw e;
  }
}

/** The backup bucket: versioned, encrypted, never public, old backups expired by a lifecycle rule. */
export function backupBucketResource(
  ctx: AwsContext,
  desired: AwsBackupBucket,
): ResourceModule<AwsBackupBucket, BucketState> {
  const { s3 } = ctx.clients;
  const tags = managedTags(ctx.environment, ctx.tags);
  const Bucket = desired.name;
  return {
    kind: KIND.bucket,
    name: desired.name,
    desired,
    dependsOn: [],
    describe: (d) => {
      const lc = d.lifecycle;
      return (
        `versioning ${d.versioning ? 'on' : 'off'}, ${d.encryption} encryption, public access ${d['block-public-access'] ? 'blocked' : 'allowed'}, ` +
        `lifecycle: expire ${lc.prefix || 'all'} after ${lc['expire-days'] ?? '-'} days, old versions after ${lc['noncurrent-expire-days'] ?? '-'} days`
      );
    },
    async read() {
      try {
        await s3.send(new HeadBucketCommand({ Bucket }));
      } catch (e: unknown) {
        const status = httpStatus(e);
        if (status === 404 || isAwsError(e, 'NotFound', 'NoSuchBucket')) return undefined;
        if (status === 403)
          throw new ActionError(
            `bucket ${Bucket} exists but these credentials cannot access it (owned by another account?); choose another name`,
          );
        throw e;
      }
      const [ver, enc, pab, lc, tg] = await Promise.all([
        s3.send(new GetBucketVersioningCommand({ Bucket })),
        optional(
          () => s3.send(new GetBucketEncryptionCommand({ Bucket })),
          'ServerSideEncryptionConfigurationNotFoundError',
        ),
        optional(() => s3.send(new GetPublicAccessBlockCommand({ Bucket })), 'NoSuchPublicAccessBlockConfiguration'),
        optional(() => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })), 'NoSuchLifecycleConfiguration'),
        optional(() => s3.send(new GetBucketTaggingCommand({ Bucket })), 'NoSuchTagSet', 'NoSuchTagSetError'),
      ]);
      const rule = enc?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      return {
        name: Bucket,
        versioning: ver.Status ?? 'Disabled',
        encryption: rule?.SSEAlgorithm ? { algorithm: rule.SSEAlgorithm, kmsKeyId: rule.KMSMasterKeyID } : undefined,
        publicAccessBlock: pab?.PublicAccessBlockConfiguration,
        rules: lc?.Rules ?? [],
        tags: tagMap(tg?.TagSet),
      };
    },
    diff(d, c) {
      const b = new DiffBuilder()
        .field(
          'versioning',
          d.versioning ? 'Enabled' : c.versioning === 'Disabled' ? 'Disabled' : 'Suspended',
          c.versioning,
        )
        .field('encryption', d.encryption, c.encryption?.algorithm ?? null);
      if (d['kms-key-id']) b.field('kms-key-id', d['kms-key-id'], c.encryption?.kmsKeyId ?? null);
      if (d['block-public-access']) b.field('block-public-access', true, blocksAll(c.publicAccessBlock));
      b.field('lifecycle', desiredRule(d), actualRule(c.rules));
      return b.tags(tags, c.tags).diffs;
    },
    async apply(change) {
      const fields = change.action === 'create' ? undefined : new Set(change.diffs.map((d) => d.field));
      const wants = (f: string) => fields === undefined || fields.has(f);
      if (change.action === 'create') {
        // us-east-1 is the one region that refuses an explicit location constraint.
        const region = ctx.clients.region;
        await s3.send(
          new CreateBucketCommand({
            Bucket,
            ...(region !== 'us-east-1'
              ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }
              : {}),
          }),
        );
      }
      if (desired['block-public-access'] && wants('block-public-access')) {
        await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: BLOCK_ALL }));
      }
      if (wants('encryption') || wants('kms-key-id')) {
        await s3.send(
          new PutBucketEncryptionCommand({
            Bucket,
            ServerSideEncryptionConfiguration: {
              Rules: [
                {
                  ApplyServerSideEncryptionByDefault: {
                    SSEAlgorithm: desired.encryption,
                    ...(desired['kms-key-id'] ? { KMSMasterKeyID: desired['kms-key-id'] } : {}),
                  },
                  BucketKeyEnabled: desired.encryption === 'aws:kms',
                },
              ],
            },
          }),
        );
      }
      if (wants('versioning') && (desired.versioning || change.action !== 'create')) {
        await s3.send(
          new PutBucketVersioningCommand({
            Bucket,
            VersioningConfiguration: { Status: desired.versioning ? 'Enabled' : 'Suspended' },
          }),
        );
      }
      if (wants('lifecycle')) {
        // PUT replaces the whole configuration: keep every rule that is not ours.
        const others = change.action === 'create' ? [] : change.current.rules.filter((r) => r.ID !== LIFECYCLE_RULE_ID);
        await s3.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket,
            LifecycleConfiguration: { Rules: [...others, toLifecycleRule(desiredRule(desired))] },
          }),
        );
      }
      if (wants('tags')) {
        const existing = change.action === 'create' ? {} : change.current.tags;
        await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagList({ ...existing, ...tags }) } }));
      }
    },
    outputs: (c) => ({ 'backup-bucket': c.name }),
  };
}
