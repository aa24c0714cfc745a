import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  TagResourceCommand,
  UpdateClusterVersionCommand,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { compareVersions, DiffBuilder } from '../engine/diff.js';
import { resourceKey, type ResourceModule } from '../engine/types.js';
import type { AwsCluster, AwsNodeGroup, AwsVpc } from '../desired.js';
import { isAwsError } from './clients.js';
import { KIND, type AwsContext } from './context.js';
import { subnetIdsFrom, subnetKeysOf } from './network.js';
import { managedTags } from './tags.js';

export interface ClusterState {
  name: string;
  arn: string;
  status: string;
  version: string;
  endpoint: string | undefined;
  certificateAuthority: string | undefined;
  subnetIds: string[];
  roleArn: string;
  tags: Record<string, string>;
  /** Subnet ids of the desired VPC, when they exist. */
  expectedSubnets: string[] | undefined;
}

export function eksClusterResource(
  ctx: AwsContext,
  desired: AwsCluster,
  vpc: AwsVpc,
): ResourceModule<AwsCluster, ClusterState> {
  const { eks } = ctx.clients;
  const tags = managedTags(ctx.environment, ctx.tags);
  const subnetKeys = subnetKeysOf(vpc);
  return {
    kind: KIND.eksCluster,
    name: desired.name,
    desired,
    // The route table too: nodes need the internet route before they can join.
    dependsOn: [...subnetKeys, resourceKey({ kind: KIND.routeTable, name: `${vpc.name}-public` })],
    describe: (d) =>
      `Kubernetes ${d.version} in ${vpc.subnets.length} subnets (${vpc.subnets.map((s) => s.zone).join(', ')})`,
    async read(refs) {
      try {
        const out = await eks.send(new DescribeClusterCommand({ name: desired.name }));
        const c = out.cluster;
        if (!c) return undefined;
        return {
          name: desired.name,
          arn: c.arn ?? '',
          status: c.status ?? 'UNKNOWN',
          version: c.version ?? '',
          endpoint: c.endpoint,
          certificateAuthority: c.certificateAuthority?.data,
          subnetIds: c.resourcesVpcConfig?.subnetIds ?? [],
          roleArn: c.roleArn ?? '',
          tags: c.tags ?? {},
          expectedSubnets: subnetIdsFrom(refs, vpc),
        };
      } catch (e: unknown) {
        if (isAwsError(e, 'ResourceNotFoundException')) return undefined;
        throw e;
      }
    },
    diff(d, c) {
      const b = new DiffBuilder();
      const cmp = compareVersions(d.version, c.version);
      if (cmp < 0)
        b.push({
          field: 'version',
          desired: d.version,
          actual: c.version,
          mode: 'replace',
          note: 'EKS cannot downgrade a control plane',
        });
      if (cmp > 0)
        b.push({
          field: 'version',
          desired: d.version,
          actual: c.version,
          mode: 'update',
          note: 'EKS upgrades one minor version per update',
        });
      if (c.expectedSubnets)
        b.field(
          'subnets',
          c.expectedSubnets,
          c.subnetIds,
          'replace',
          'move the cluster by creating a new one in the new subnets',
        );
      b.field('role-arn', d['role-arn'], c.roleArn, 'replace', 'the cluster IAM role is fixed at creation');
      return b.tags(tags, c.tags).diffs;
    },
    async apply(change, refs) {
      if (change.action === 'create') {
        const subnetIds = subnetIdsFrom(refs, vpc) ?? [];
        await eks.send(
          new CreateClusterCommand({
            name: desired.name,
            version: desired.version,
            roleArn: desired['role-arn'],
            resourcesVpcConfig: { subnetIds, endpointPublicAccess: true, endpointPrivateAccess: true },
            tags,
          }),
        );
        return;
      }
      for (const d of change.diffs) {
        if (d.field === 'version') {
          // Always the next minor only: EKS refuses to skip versions.
          await eks.send(
            new UpdateClusterVersionCommand({
              name: desired.name,
              version: nextMinor(change.current.version, desired.version),
            }),
          );
        }
        if (d.field === 'tags') await eks.send(new TagResourceCommand({ resourceArn: change.current.arn, tags }));
      }
    },
    readiness(c) {
      if (c.status === 'ACTIVE' && c.version !== '') return { state: 'ready' };
      if (c.status === 'FAILED') return { state: 'failed', detail: 'cluster status FAILED' };
      return { state: 'pending', detail: `status ${c.status}` };
    },
    outputs: (c): Record<string, string> => (c.endpoint ? { 'cluster-endpoint': c.endpoint } : {}),
  };
}

/** The version one minor step from `current` towards `target` (1.28 -> 1.29). */
export function nextMinor(current: string, target: string): string {
  const [maj, min] = current.split('.').map((x) => Number.parseInt(x, 10));
  if (maj === undefined || min === undefined || Number.isNaN(maj) || Number.isNaN(min)) return target;
  const next = `${maj}.${min + 1}`;
  return compareVersions(next, target) >= 0 ? target : next;
}

export interface NodegroupState {
  arn: string;
  status: string;
  instanceTypes: string[];
  minSize: number;
  maxSize: number;
  desiredSize: number;
  diskSize: number | undefined;
  capacityType: string | undefined;
  nodeRole: string;
  tags: Record<string, string>;
}

/**
 * The managed node group. `desired-size` is applied at creation only: afterwards the cluster
 * autoscaler owns it, so provision only pulls it back inside [min, max] when the bounds change.
 */
export function eksNodegroupResource(
  ctx: AwsContext,
  cluster: AwsCluster,
  vpc: AwsVpc,
): ResourceModule<AwsNodeGroup, NodegroupState> {
  const { eks } = ctx.clients;
  const desired = cluster['node-group'];
  const tags = managedTags(ctx.environment, ctx.tags);
  const clusterKey = resourceKey({ kind: KIND.eksCluster, name: cluster.name });
  return {
    kind: KIND.eksNodegroup,
    name: `${cluster.name}/${desired.name}`,
    desired,
    dependsOn: [clusterKey],
    describe: (d) =>
      `${d['instance-types'].join(',')}, min ${d['min-size']}, max ${d['max-size']}, desired ${d['desired-size']}, ${d['disk-size']} GiB, ${d['capacity-type']}`,
    async read(refs) {
      if (!refs.get(clusterKey)) return undefined;
      try {
        const out = await eks.send(
          new DescribeNodegroupCommand({ clusterName: cluster.name, nodegroupName: desired.name }),
        );
        const n = out.nodegroup;
        if (!n) return undefined;
        return {
          arn: n.nodegroupArn ?? '',
          status: n.status ?? 'UNKNOWN',
          instanceTypes: n.instanceTypes ?? [],
          minSize: n.scalingConfig?.minSize ?? 0,
          maxSize: n.scalingConfig?.maxSize ?? 0,
          desiredSize: n.scalingConfig?.desiredSize ?? 0,
          diskSize: n.diskSize,
          capacityType: n.capacityType,
          nodeRole: n.nodeRole ?? '',
          tags: n.tags ?? {},
        };
      } catch (e: unknown) {
        if (isAwsError(e, 'ResourceNotFoundException')) return undefined;
        throw e;
      }
    },
    diff(d, c) {
      const b = new DiffBuilder()
        .field(
          'instance-types',
          d['instance-types'],
          c.instanceTypes,
          'replace',
          'create a new node group and drain the old one',
        )
        .field('min-size', d['min-size'], c.minSize)
        .field('max-size', d['max-size'], c.maxSize);
      if (c.desiredSize < d['min-size'] || c.desiredSize > d['max-size']) {
        b.push({
          field: 'desired-size',
          desired: clamp(c.desiredSize, d['min-size'], d['max-size']),
          actual: c.desiredSize,
          mode: 'update',
          note: 'outside [min, max]',
        });
      }
      if (c.diskSize !== undefined)
        b.field('disk-size', d['disk-size'], c.diskSize, 'replace', 'node disk size is fixed at creation');
      if (c.capacityType !== undefined)
        b.field('capacity-type', d['capacity-type'], c.capacityType, 'replace', 'capacity type is fixed at creation');
      b.field('node-role-arn', d['node-role-arn'], c.nodeRole, 'replace', 'the node IAM role is fixed at creation');
      return b.tags(tags, c.tags).diffs;
    },
    async apply(change, refs) {
      if (change.action === 'create') {
        await eks.send(
          new CreateNodegroupCommand({
            clusterName: cluster.name,
            nodegroupName: desired.name,
            subnets: subnetIdsFrom(refs, vpc) ?? [],
            instanceTypes: desired['instance-types'],
            scalingConfig: {
              minSize: desired['min-size'],
              maxSize: desired['max-size'],
              desiredSize: desired['desired-size'],
            },
            diskSize: desired['disk-size'],
            capacityType: desired['capacity-type'],
            nodeRole: desired['node-role-arn'],
            tags,
          }),
        );
        return;
      }
      const c = change.current;
      if (change.diffs.some((d) => ['min-size', 'max-size', 'desired-size'].includes(d.field))) {
        await eks.send(
          new UpdateNodegroupConfigCommand({
            clusterName: cluster.name,
            nodegroupName: desired.name,
            scalingConfig: {
              minSize: desired['min-size'],
              maxSize: desired['max-size'],
              desiredSize: clamp(c.desiredSize, desired['min-size'], desired['max-size']),
            },
          }),
        );
      }
      if (change.diffs.some((d) => d.field === 'tags'))
        await eks.send(new TagResourceCommand({ resourceArn: c.arn, tags }));
    },
    readiness(c) {
      if (c.status === 'ACTIVE') return { state: 'ready' };
      if (c.status === 'CREATE_FAILED') return { state: 'failed', detail: `node group status ${c.status}` };
      return { state: 'pending', detail: `status ${c.status}` };
    },
  };
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
