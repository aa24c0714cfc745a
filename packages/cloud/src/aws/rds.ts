import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  ModifyDBSubnetGroupCommand,
  type DBInstance,
  type ModifyDBInstanceCommandInput,
} from '@aws-sdk/client-rds';
import { compareVersions, DiffBuilder, tagList, tagMap, versionMatches } from '../engine/diff.js';
import { resourceKey, type FieldDiff, type ResourceModule } from '../engine/types.js';
import type { AwsDatabase, AwsVpc } from '../desired.js';
import { isAwsError } from './clients.js';
import { KIND, type AwsContext } from './context.js';
import { readMasterPassword } from './db-secret.js';
import { subnetGroupResource, type SubnetGroupState } from './subnet-group.js';
import { managedTags } from './tags.js';

export function dbSubnetGroupResource(
  ctx: AwsContext,
  name: string,
  vpc: AwsVpc,
): ResourceModule<{ name: string }, SubnetGroupState> {
  const { rds } = ctx.clients;
  return subnetGroupResource(ctx, KIND.dbSubnetGroup, name, vpc, {
    async read(groupName) {
      try {
        const out = await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: groupName }));
        const g = out.DBSubnetGroups?.[0];
        return g
          ? (g.Subnets ?? []).map((s) => s.SubnetIdentifier).filter((x): x is string => x !== undefined)
          : undefined;
      } catch (e: unknown) {
        if (isAwsError(e, 'DBSubnetGroupNotFoundFault')) return undefined;
        throw e;
      }
    },
    async create(groupName, SubnetIds, tags) {
      await rds.send(
        new CreateDBSubnetGroupCommand({
          DBSubnetGroupName: groupName,
          DBSubnetGroupDescription: `ralph-deploy ${ctx.environment}`,
          SubnetIds,
          Tags: tagList(tags),
        }),
      );
    },
    async modify(groupName, SubnetIds) {
      await rds.send(new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: groupName, SubnetIds }));
    },
  });
}

export interface DbState {
  identifier: string;
  arn: string;
  status: string;
  engine: string;
  engineVersion: string;
  instanceClass: string;
  allocatedStorage: number;
  storageType: string | undefined;
  multiAz: boolean;
  backupRetention: number;
  storageEncrypted: boolean;
  deletionProtection: boolean;
  subnetGroup: string | undefined;
  replicaSource: string | undefined;
  endpoint: { address: string; port: number } | undefined;
  tags: Record<string, string>;
}

async function describeDb(ctx: AwsContext, identifier: string): Promise<DbState | undefined> {
  let db: DBInstance | undefined;
  try {
    db = (await ctx.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })))
      .DBInstances?.[0];
  } catch (e: unknown) {
    if (isAwsError(e, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) return undefined;
    throw e;
  }
  if (!db) return undefined;
  let tags = db.TagList;
  if (!tags && db.DBInstanceArn)
    tags = (await ctx.clients.rds.send(new ListTagsForResourceCommand({ ResourceName: db.DBInstanceArn }))).TagList;
  return {
    identifier,
    arn: db.DBInstanceArn ?? '',
    status: db.DBInstanceStatus ?? 'unknown',
    engine: db.Engine ?? '',
    engineVersion: db.EngineVersion ?? '',
    instanceClass: db.DBInstanceClass ?? '',
    allocatedStorage: db.AllocatedStorage ?? 0,
    storageType: db.StorageType,
    multiAz: db.MultiAZ ?? false,
    backupRetention: db.BackupRetentionPeriod ?? 0,
    storageEncrypted: db.StorageEncrypted ?? false,
    deletionProtection: db.DeletionProtection ?? false,
    subnetGroup: db.DBSubnetGroup?.DBSubnetGroupName,
    replicaSource: db.ReadReplicaSourceDBInstanceIdentifier,
    endpoint: db.Endpoint?.Address ? { address: db.Endpoint.Address, port: db.Endpoint.Port ?? 5432 } : undefined,
    tags: tagMap(tags),
  };
}

function major(v: string): number {
  return Number.parseInt(v.split('.')[0] ?? '', 10);
}

/**
 * Engine version drift. A version newer than desired within the same major (auto minor upgrades)
 * is fine; an older one is upgraded; a major downgrade needs a new instance (dump and restore).
 */
export function engineVersionDiff(desired: string, actual: string): FieldDiff | undefined {
  if (versionMatches(desired, actual)) return undefined;
  if (major(desired) < major(actual)) {
    return {
      field: 'engine-version',
      desired,
      actual,
      mode: 'replace',
      note: 'PostgreSQL cannot downgrade a major version in place; restore a dump into a new instance',
    };
  }
  if (compareVersions(desired, actual) < 0) return undefined;
  return {
    field: 'engine-version',
    desired,
    actual,
    mode: 'update',
    ...(major(desired) > major(actual) ? { note: 'major version upgrade' } : {}),
  };
}

function readiness(c: DbState) {
  if (c.status === 'available') return { state: 'ready' as const };
  if (c.status === 'failed' || c.status.startsWith('incompatible-') || c.status === 'storage-full') {
    return { state: 'failed' as const, detail: `instance status ${c.status}` };
  }
  return { state: 'pending' as const, detail: `status ${c.status}` };
}

const endpointOf = (c: DbState) => (c.endpoint ? `${c.endpoint.address}:${c.endpoint.port}` : undefined);

export function dbInstanceResource(
  ctx: AwsContext,
  desired: AwsDatabase,
  deps: { subnetGroup: string; secretName: string; secretKey: string; subnetGroupKey: string },
): ResourceModule<AwsDatabase, DbState> {
  const { rds } = ctx.clients;
  const tags = managedTags(ctx.environment, ctx.tags);
  return {
    kind: KIND.dbInstance,
    name: desired.identifier,
    desired,
    dependsOn: [deps.subnetGroupKey, deps.secretKey],
    describe: (d) =>
      `${d.engine} ${d['engine-version']}, ${d['instance-class']}, ${d['allocated-storage']} GB ${d['storage-type']}, Multi-AZ ${d['multi-az']}, ` +
      `backups ${d['backup-retention-days']} days, encrypted ${d['storage-encrypted']}, password in Secrets Manager ${deps.secretName}`,
    read: () => describeDb(ctx, desired.identifier),
    diff(d, c) {
      const b = new DiffBuilder()
        .field('engine', d.engine, c.engine, 'replace', 'the engine is fixed at creation')
        .field('instance-class', d['instance-class'], c.instanceClass)
        .field('multi-az', d['multi-az'], c.multiAz)
        .field('backup-retention-days', d['backup-retention-days'], c.backupRetention)
        .field('deletion-protection', d['deletion-protection'], c.deletionProtection)
        .field(
          'storage-encrypted',
          d['storage-encrypted'],
          c.storageEncrypted,
          'replace',
          'encryption at rest is fixed at creation: snapshot, copy the snapshot encrypted, restore into a new instance',
        )
        .field(
          'subnet-group',
          deps.subnetGroup,
          c.subnetGroup,
          'replace',
          'moving an instance to another subnet group means restoring it elsewhere',
        );
      const ev = engineVersionDiff(d['engine-version'], c.engineVersion);
      if (ev) b.push(ev);
      if (d['allocated-storage'] > c.allocatedStorage)
        b.field('allocated-storage', d['allocated-storage'], c.allocatedStorage);
      if (d['allocated-storage'] < c.allocatedStorage) {
        b.push({
          field: 'allocated-storage',
          desired: d['allocated-storage'],
          actual: c.allocatedStorage,
          mode: 'replace',
          note: 'RDS storage cannot shrink',
        });
      }
      if (c.storageType !== undefined) b.field('storage-type', d['storage-type'], c.storageType);
      return b.tags(tags, c.tags).diffs;
    },
    async apply(change) {
      if (change.action === 'create') {
        const password = await readMasterPassword(ctx.clients.secrets, deps.secretName, ctx.log);
        await rds.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: desired.identifier,
            Engine: desired.engine,
            EngineVersion: desired['engine-version'],
            DBInstanceClass: desired['instance-class'],
            AllocatedStorage: desired['allocated-storage'],
            StorageType: desired['storage-type'],
            MultiAZ: desired['multi-az'],
            BackupRetentionPeriod: desired['backup-retention-days'],
            StorageEncrypted: desired['storage-encrypted'],
            DeletionProtection: desired['deletion-protection'],
            MasterUsername: desired['master-username'],
            MasterUserPassword: password,
            DBSubnetGroupName: deps.subnetGroup,
            PubliclyAccessible: false,
            CopyTagsToSnapshot: true,
            AutoMinorVersionUpgrade: true,
            Tags: tagList(tags),
          }),
        );
        return;
      }
      const input: ModifyDBInstanceCommandInput = { DBInstanceIdentifier: desired.identifier, ApplyImmediately: true };
      for (const d of change.diffs) {
        if (d.field === 'instance-class') input.DBInstanceClass = desired['instance-class'];
        if (d.field === 'multi-az') input.MultiAZ = desired['multi-az'];
        if (d.field === 'backup-retention-days') input.BackupRetentionPeriod = desired['backup-retention-days'];
        if (d.field === 'deletion-protection') input.DeletionProtection = desired['deletion-protection'];
        if (d.field === 'allocated-storage') input.AllocatedStorage = desired['allocated-storage'];
        if (d.field === 'storage-type') input.StorageType = desired['storage-type'];
        if (d.field === 'engine-version') {
          input.EngineVersion = desired['engine-version'];
          if (major(desired['engine-version']) > major(change.current.engineVersion))
            input.AllowMajorVersionUpgrade = true;
        }
      }
      if (Object.keys(input).length > 2) await rds.send(new ModifyDBInstanceCommand(input));
      if (change.diffs.some((d) => d.field === 'tags'))
        await rds.send(new AddTagsToResourceCommand({ ResourceName: change.current.arn, Tags: tagList(tags) }));
    },
    readiness,
    outputs: (c): Record<string, string> => {
      const e = endpointOf(c);
      return e ? { 'database-endpoint': e } : {};
    },
  };
}

/** A same-region read replica for failover (promoted by the failover action). */
export function dbReplicaResource(
  ctx: AwsContext,
  primary: AwsDatabase,
  replica: { identifier: string; 'instance-class'?: string | undefined },
): ResourceModule<{ identifier: string; instanceClass: string }, DbState> {
  const { rds } = ctx.clients;
  const tags = managedTags(ctx.environment, ctx.tags);
  const instanceClass = replica['instance-class'] ?? primary['instance-class'];
  return {
    kind: KIND.dbReplica,
    name: replica.identifier,
    desired: { identifier: replica.identifier, instanceClass },
    dependsOn: [resourceKey({ kind: KIND.dbInstance, name: primary.identifier })],
    describe: () => `read replica of ${primary.identifier}, ${instanceClass}`,
    read: () => describeDb(ctx, replica.identifier),
    diff(d, c) {
      return new DiffBuilder()
        .field(
          'replica-of',
          primary.identifier,
          c.replicaSource ?? null,
          'manual',
          'promoted by a failover? point the spec at the new primary',
        )
        .field('instance-class', d.instanceClass, c.instanceClass)
        .tags(tags, c.tags).diffs;
    },
    async apply(change) {
      if (change.action === 'create') {
        await rds.send(
          new CreateDBInstanceReadReplicaCommand({
            DBInstanceIdentifier: replica.identifier,
            SourceDBInstanceIdentifier: primary.identifier,
            DBInstanceClass: instanceClass,
            PubliclyAccessible: false,
            Tags: tagList(tags),
          }),
        );
        return;
      }
      if (change.diffs.some((d) => d.field === 'instance-class')) {
        await rds.send(
          new ModifyDBInstanceCommand({
            DBInstanceIdentifier: replica.identifier,
            DBInstanceClass: instanceClass,
            ApplyImmediately: true,
          }),
        );
      }
      if (change.diffs.some((d) => d.field === 'tags'))
        await rds.send(new AddTagsToResourceCommand({ ResourceName: change.current.arn, Tags: tagList(tags) }));
    },
    readiness,
  };
}
