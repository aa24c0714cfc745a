import { DiffBuilder } from '../engine/diff.js';
import type { ResourceModule } from '../engine/types.js';
import type { AwsVpc } from '../desired.js';
import type { AwsContext } from './context.js';
import { subnetIdsFrom, subnetKeysOf } from './network.js';
import { managedTags } from './tags.js';

export interface SubnetGroupState {
  name: string;
  subnetIds: string[];
  expectedSubnets: string[] | undefined;
}

/** The service-specific calls behind a subnet group (RDS and ElastiCache have the same shape). */
export interface SubnetGroupApi {
  /** The group's subnet ids, or undefined when it does not exist. */
  read(name: string): Promise<string[] | undefined>;
  create(name: string, subnetIds: string[], tags: Record<string, string>): Promise<void>;
  modify(name: string, subnetIds: string[]): Promise<void>;
}

/** A DB or cache subnet group over the VPC's subnets: created once, its subnets kept in step. */
export function subnetGroupResource(
  ctx: AwsContext,
  kind: string,
  name: string,
  vpc: AwsVpc,
  api: SubnetGroupApi,
): ResourceModule<{ name: string }, SubnetGroupState> {
  const tags = managedTags(ctx.environment, ctx.tags);
  return {
    kind,
    name,
    desired: { name },
    dependsOn: subnetKeysOf(vpc),
    describe: () => `subnets of ${vpc.name} in ${vpc.subnets.map((s) => s.zone).join(', ')}`,
    async read(refs) {
      const subnetIds = await api.read(name);
      return subnetIds === undefined ? undefined : { name, subnetIds, expectedSubnets: subnetIdsFrom(refs, vpc) };
    },
    diff(_d, c) {
      return new DiffBuilder().field('subnets', c.expectedSubnets, c.subnetIds).diffs;
    },
    async apply(change, refs) {
      const subnetIds = subnetIdsFrom(refs, vpc) ?? [];
      if (change.action === 'create') await api.create(name, subnetIds, tags);
      else await api.modify(name, subnetIds);
    },
  };
}
