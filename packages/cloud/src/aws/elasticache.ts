import {
  AddTagsToResourceCommand,
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
  ListTagsForResourceCommand,
  ModifyCacheSubnetGroupCommand,
  ModifyReplicationGroupCommand,
  type ModifyReplicationGroupCommandInput,
} from '@aws-sdk/client-elasticache';
import { DiffBuilder, tagList, tagMap } from '../engine/diff.js';
import { resourceKey, type ResourceModule } from '../engine/types.js';
import type { AwsCache, AwsVpc } from '../desired.js';
import { isAwsError } from './clients.js';
import { KIND, type AwsContext } from './context.js';
import { subnetGroupResource, type SubnetGroupState } from './subnet-group.js';
import { managedTags } from './tags.js';

export function cacheSubnetGroupResource(
  ctx: AwsContext,
  name: string,
  vpc: AwsVpc,
): ResourceModule<{ name: string }, SubnetGroupState> {
  const { elasticache } = ctx.clients;
  return subnetGroupResource(ctx, KIND.cacheSubnetGroup, name, vpc, {
    async read(groupName) {
      try {
        const out = await elasticache.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: groupName }));
        const g = out.CacheSubnetGroups?.[0];
        return g
          ? (g.Subnets ?? []).map((s) => s.SubnetIdentifier).filter((x): x is string => x !== undefined)
          : undefined;
      } catch (e: unknown) {
        if (isAwsError(e, 'CacheSubnetGroupNotFoundFault')) return undefined;
        throw e;
      }
    },
    async create(groupName, SubnetIds, tags) {
      await elasticache.send(
        new CreateCacheSubnetGroupCommand({
          CacheSubnetGroupName: groupName,
          CacheSubnetGroupDescription: `ralph-deploy ${ctx.environment}`,
          SubnetIds,
          Tags: tagList(tags),
        }),
      );
    },
    async modify(groupName, SubnetIds) {
      await elasticache.send(new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: groupName, SubnetIds }));
    },
  });
}

export interface CacheState {
  id: string;
  arn: string;
  status: string;
  nodeType: string;
  nodes: number;
  automaticFailover: boolean;
  multiAz: boolean;
  atRestEncryption: boolean;
  transitEncryption: boolean;
  endpoint: { address: string; port: number } | undefined;
  tags: Record<string, string>;
}

/**
 * A Redis replication group (cluster mode disabled): one primary and replicas with automatic
 * failover, the guide's "Redis cluster for caching" made highly available. Replica count changes
 * are reported, not made: resizing is a capacity decision (and shrinking removes nodes).
 */
export function cacheResource(
  ctx: AwsContext,
  desired: AwsCache,
  subnetGroup: string,
): ResourceModule<AwsCache, CacheState> {
  const { elasticache } = ctx.clients;
  const tags = managedTags(ctx.environment, ctx.tags);
  return {
    kind: KIND.cache,
    name: desired.id,
    desired,
    dependsOn: [resourceKey({ kind: KIND.cacheSubnetGroup, name: subnetGroup })],
    describe: (d) =>
      `redis ${d['engine-version'] ?? '(default version)'}, ${d['node-type']} x ${d.nodes}, automatic failover ${d['automatic-failover']}, Multi-AZ ${d['multi-az']}, ` +
      `encryption at rest ${d['at-rest-encryption']}, in transit ${d['transit-encryption']}`,
    async read() {
      try {
        const out = await elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: desired.id }));
        const g = out.ReplicationGroups?.[0];
        if (!g) return undefined;
        const arn = g.ARN ?? '';
        const tagList = arn
          ? (await elasticache.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList
          : [];
        const primary = g.NodeGroups?.[0]?.PrimaryEndpoint ?? g.ConfigurationEndpoint;
        return {
          id: desired.id,
          arn,
          status: g.Status ?? 'unknown',
          nodeType: g.CacheNodeType ?? '',
          nodes: g.MemberClusters?.length ?? 0,
          automaticFailover: g.AutomaticFailover === 'enabled' || g.AutomaticFailover === 'enabling',
          multiAz: g.MultiAZ === 'enabled',
          atRestEncryption: g.AtRestEncryptionEnabled ?? false,
          transitEncryption: g.TransitEncryptionEnabled ?? false,
          endpoint: primary?.Address ? { address: primary.Address, port: primary.Port ?? 6379 } : undefined,
          tags: tagMap(tagList),
        };
      } catch (e: unknown) {
        if (isAwsError(e, 'ReplicationGroupNotFoundFault')) return undefined;
        throw e;
      }
    },
    diff(d, c) {
      return new DiffBuilder()
        .field('node-type', d['node-type'], c.nodeType)
        .field('automatic-failover', d['automatic-failover'], c.automaticFailover)
        .field('multi-az', d['multi-az'], c.multiAz)
        .field('nodes', d.nodes, c.nodes, 'manual', 'resize with IncreaseReplicaCount / DecreaseReplicaCount')
        .field(
          'at-rest-encryption',
          d['at-rest-encryption'],
          c.atRestEncryption,
          'replace',
          'encryption at rest is fixed at creation',
        )
        .field(
          'transit-encryption',
          d['transit-encryption'],
          c.transitEncryption,
          'replace',
          'enable in-transit encryption through a migration to a new group',
        )
        .tags(tags, c.tags).diffs;
    },
    async apply(change) {
      if (change.action === 'create') {
        await elasticache.send(
          new CreateReplicationGroupCommand({
            ReplicationGroupId: desired.id,
            ReplicationGroupDescription: `ralph-deploy ${ctx.environment} cache`,
            Engine: 'redis',
            ...(desired['engine-version'] ? { EngineVersion: desired['engine-version'] } : {}),
            CacheNodeType: desired['node-type'],
            NumCacheClusters: desired.nodes,
            AutomaticFailoverEnabled: desired['automatic-failover'],
            MultiAZEnabled: desired['multi-az'],
            AtRestEncryptionEnabled: desired['at-rest-encryption'],
            TransitEncryptionEnabled: desired['transit-encryption'],
            CacheSubnetGroupName: subnetGroup,
            Tags: tagList(tags),
          }),
        );
        return;
      }
      const input: ModifyReplicationGroupCommandInput = { ReplicationGroupId: desired.id, ApplyImmediately: true };
      for (const d of change.diffs) {
        if (d.field === 'node-type') input.CacheNodeType = desired['node-type'];
        if (d.field === 'automatic-failover') input.AutomaticFailoverEnabled = desired['automatic-failover'];
        if (d.field === 'multi-az') input.MultiAZEnabled = desired['multi-az'];
      }
      if (Object.keys(input).length > 2) await elasticache.send(new ModifyReplicationGroupCommand(input));
      if (change.diffs.some((d) => d.field === 'tags'))
        await elasticache.send(new AddTagsToResourceCommand({ ResourceName: change.current.arn, Tags: tagList(tags) }));
    },
    readiness(c) {
      if (c.status === 'available') return { state: 'ready' };
      if (c.status === 'create-failed') return { state: 'failed', detail: 'replication group status create-failed' };
      return { state: 'pending', detail: `status ${c.status}` };
    },
    outputs: (c): Record<string, string> =>
      c.endpoint ? { 'cache-endpoint': `${c.endpoint.address}:${c.endpoint.port}` } : {},
  };
}
