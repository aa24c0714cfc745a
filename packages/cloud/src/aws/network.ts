import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReplaceRouteCommand,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { ActionError } from '@ralph-deploy/common';
import { DiffBuilder, tagList, tagMap } from '../engine/diff.js';
import { resourceKey, type Change, type FieldDiff, type Refs, type ResourceModule } from '../engine/types.js';
import type { AwsVpc } from '../desired.js';
import { KIND, type AwsContext } from './context.js';
import { managedFilters, managedTags } from './tags.js';

export interface VpcState {
  id: string;
  cidr: string;
  dnsHostnames: boolean;
  dnsSupport: boolean;
  tags: Record<string, string>;
}

/** EKS needs DNS hostnames and resolution in the VPC (nodes register by private DNS name). */
export function vpcResource(ctx: AwsContext, desired: AwsVpc): ResourceModule<AwsVpc, VpcState> {
  const { ec2 } = ctx.clients;
  const tags = managedTags(ctx.environment, ctx.tags, desired.name);
  return {
    kind: KIND.vpc,
    name: desired.name,
    desired,
    dependsOn: [],
    describe: (d) => `cidr ${d.cidr}, DNS hostnames and support on`,
    async read() {
      const out = await ec2.send(new DescribeVpcsCommand({ Filters: managedFilters(ctx.environment, desired.name) }));
      const vpcs = out.Vpcs ?? [];
      if (vpcs.length > 1) {
        throw new ActionError(
          `${vpcs.length} VPCs are tagged Name=${desired.name} for environment ${ctx.environment} (${vpcs.map((v) => v.VpcId).join(', ')}); keep one`,
        );
      }
      const vpc = vpcs[0];
      if (!vpc?.VpcId) return undefined;
      const attr = async (Attribute: 'enableDnsHostnames' | 'enableDnsSupport') =>
        ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId, Attribute }));
      const [h, s] = await Promise.all([attr('enableDnsHostnames'), attr('enableDnsSupport')]);
      return {
        id: vpc.VpcId,
        cidr: vpc.CidrBlock ?? '',
        dnsHostnames: h.EnableDnsHostnames?.Value ?? false,
        dnsSupport: s.EnableDnsSupport?.Value ?? false,
        tags: tagMap(vpc.Tags),
      };
    },
    diff(d, c) {
      return new DiffBuilder()
        .field('cidr', d.cidr, c.cidr, 'replace', 'a VPC CIDR cannot change; create a new VPC and migrate')
        .field('enable-dns-hostnames', true, c.dnsHostnames)
        .field('enable-dns-support', true, c.dnsSupport)
        .tags(tags, c.tags).diffs;
    },
    async apply(change: Change<VpcState>) {
      let id: string;
      if (change.action === 'create') {
        const out = await ec2.send(
          new CreateVpcCommand({
            CidrBlock: desired.cidr,
            TagSpecifications: [{ ResourceType: 'vpc', Tags: tagList(tags) }],
          }),
        );
        id = out.Vpc?.VpcId ?? '';
      } else {
        id = change.current.id;
        if (change.diffs.some((d) => d.field === 'tags'))
          await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: tagList(tags) }));
      }
      // One attribute per call (an EC2 rule).
      await ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsSupport: { Value: true } }));
      await ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsHostnames: { Value: true } }));
    },
  };
}

export interface SubnetState {
  id: string;
  zone: string;
  cidr: string;
  mapPublicIp: boolean;
  tags: Record<string, string>;
}

function subnetName(vpcName: string, zone: string): string {
  return `${vpcName}-${zone}`;
}

/**
 * One subnet per availability zone, found by VPC and CIDR. Public (default route to the internet
 * gateway, public IPs on launch) so EKS nodes reach the control plane without a NAT gateway.
 */
export function subnetResource(
  ctx: AwsContext,
  vpc: AwsVpc,
  subnet: { zone: string; cidr: string },
): ResourceModule<{ zone: string; cidr: string }, SubnetState> {
  const { ec2 } = ctx.clients;
  const name = subnetName(vpc.name, subnet.zone);
  const vpcKey = resourceKey({ kind: KIND.vpc, name: vpc.name });
  const tags = { ...managedTags(ctx.environment, ctx.tags, name), 'kubernetes.io/role/elb': '1' };
  return {
    kind: KIND.subnet,
    name,
    desired: subnet,
    dependsOn: [vpcKey],
    describe: (d) => `${d.cidr} in ${d.zone}`,
    async read(refs) {
      const v = refs.get<VpcState>(vpcKey);
      if (!v) return undefined;
      const out = await ec2.send(
        new DescribeSubnetsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [v.id] },
            { Name: 'cidr-block', Values: [subnet.cidr] },
          ],
        }),
      );
      const s: Subnet | undefined = out.Subnets?.[0];
      if (!s?.SubnetId) return undefined;
      return {
        id: s.SubnetId,
        zone: s.AvailabilityZone ?? '',
        cidr: s.CidrBlock ?? '',
        mapPublicIp: s.MapPublicIpOnLaunch ?? false,
        tags: tagMap(s.Tags),
      };
    },
    diff(d, c) {
      return new DiffBuilder()
        .field('availability-zone', d.zone, c.zone, 'replace', 'a subnet cannot move between zones')
        .field('map-public-ip-on-launch', true, c.mapPublicIp)
        .tags(tags, c.tags).diffs;
    },
    async apply(change, refs) {
      const v = refs.require<VpcState>(vpcKey);
      let id: string;
      if (change.action === 'create') {
        const out = await ec2.send(
          new CreateSubnetCommand({
            VpcId: v.id,
            CidrBlock: subnet.cidr,
            AvailabilityZone: subnet.zone,
            TagSpecifications: [{ ResourceType: 'subnet', Tags: tagList(tags) }],
          }),
        );
        id = out.Subnet?.SubnetId ?? '';
      } else {
        id = change.current.id;
        if (change.diffs.some((d) => d.field === 'tags'))
          await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: tagList(tags) }));
      }
      await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: true } }));
    },
  };
}

export interface GatewayState {
  id: string;
  attachedTo: string | undefined;
  tags: Record<string, string>;
}

export function internetGatewayResource(ctx: AwsContext, vpc: AwsVpc): ResourceModule<AwsVpc, GatewayState> {
  const { ec2 } = ctx.clients;
  const name = `${vpc.name}-igw`;
  const vpcKey = resourceKey({ kind: KIND.vpc, name: vpc.name });
  const tags = managedTags(ctx.environment, ctx.tags, name);
  return {
    kind: KIND.internetGateway,
    name,
    desired: vpc,
    dependsOn: [vpcKey],
    describe: () => `attached to ${vpc.name}`,
    async read(refs) {
      const v = refs.get<VpcState>(vpcKey);
      // Prefer the gateway attached to the VPC; otherwise one of ours that lost its attachment.
      const attached = v
        ? await ec2.send(
            new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [v.id] }] }),
          )
        : undefined;
      const ours =
        attached?.InternetGateways?.[0] ??
        (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: managedFilters(ctx.environment, name) })))
          .InternetGateways?.[0];
      if (!ours?.InternetGatewayId) return undefined;
      return { id: ours.InternetGatewayId, attachedTo: ours.Attachments?.[0]?.VpcId, tags: tagMap(ours.Tags) };
    },
    diff(_d, c) {
      const b = new DiffBuilder();
      for (const d of attachmentDiff(c)) b.push(d);
      return b.tags(tags, c.tags).diffs;
    },
    async apply(change, refs) {
      const v = refs.require<VpcState>(vpcKey);
      let id: string;
      let attachedTo: string | undefined;
      if (change.action === 'create') {
        const out = await ec2.send(
          new CreateInternetGatewayCommand({
            TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: tagList(tags) }],
          }),
        );
        id = out.InternetGateway?.InternetGatewayId ?? '';
      } else {
        id = change.current.id;
        attachedTo = change.current.attachedTo;
        if (change.diffs.some((d) => d.field === 'tags'))
          await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: tagList(tags) }));
      }
      if (attachedTo === undefined)
        await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: v.id }));
    },
  };

  function attachmentDiff(c: GatewayState): FieldDiff[] {
    return c.attachedTo === undefined ? [{ field: 'attachment', desired: vpc.name, actual: null, mode: 'update' }] : [];
  }
}

export interface RouteTableState {
  id: string;
  defaultRouteGateway: string | undefined;
  associatedSubnets: string[];
  tags: Record<string, string>;
  /** What the parents say it should have: the gateway id and the subnet ids known at read time. */
  expectedGateway: string | undefined;
  expectedSubnets: string[];
}

/** The public route table: 0.0.0.0/0 to the internet gateway, associated with every subnet. */
export function routeTableResource(ctx: AwsContext, vpc: AwsVpc): ResourceModule<AwsVpc, RouteTableState> {
  const { ec2 } = ctx.clients;
  const name = `${vpc.name}-public`;
  const vpcKey = resourceKey({ kind: KIND.vpc, name: vpc.name });
  const igwKey = resourceKey({ kind: KIND.internetGateway, name: `${vpc.name}-igw` });
  const subnetKeys = vpc.subnets.map((s) => resourceKey({ kind: KIND.subnet, name: subnetName(vpc.name, s.zone) }));
  const tags = managedTags(ctx.environment, ctx.tags, name);
  const subnetIds = (refs: Refs) =>
    subnetKeys.map((k) => refs.get<SubnetState>(k)?.id).filter((x): x is string => x !== undefined);
  return {
    kind: KIND.routeTable,
    name,
    desired: vpc,
    dependsOn: [vpcKey, igwKey, ...subnetKeys],
    describe: () => `0.0.0.0/0 via ${vpc.name}-igw, ${vpc.subnets.length} subnets`,
    async read(refs) {
      const v = refs.get<VpcState>(vpcKey);
      if (!v) return undefined;
      const out = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [{ Name: 'vpc-id', Values: [v.id] }, ...managedFilters(ctx.environment, name)],
        }),
      );
      const rt = out.RouteTables?.[0];
      if (!rt?.RouteTableId) return undefined;
      return {
        id: rt.RouteTableId,
        defaultRouteGateway: rt.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')?.GatewayId,
        associatedSubnets: (rt.Associations ?? []).map((a) => a.SubnetId).filter((x): x is string => x !== undefined),
        tags: tagMap(rt.Tags),
        expectedGateway: refs.get<GatewayState>(igwKey)?.id,
        expectedSubnets: subnetIds(refs),
      };
    },
    diff(_d, c) {
      const b = new DiffBuilder();
      if (c.expectedGateway) b.field('default-route', c.expectedGateway, c.defaultRouteGateway);
      const missing = c.expectedSubnets.filter((s) => !c.associatedSubnets.includes(s));
      if (missing.length > 0)
        b.push({ field: 'subnet-associations', desired: missing, actual: c.associatedSubnets, mode: 'update' });
      return b.tags(tags, c.tags).diffs;
    },
    async apply(change, refs) {
      const v = refs.require<VpcState>(vpcKey);
      const igw = refs.require<GatewayState>(igwKey);
      let id: string;
      let route: string | undefined;
      let associated: string[] = [];
      if (change.action === 'create') {
        const out = await ec2.send(
          new CreateRouteTableCommand({
            VpcId: v.id,
            TagSpecifications: [{ ResourceType: 'route-table', Tags: tagList(tags) }],
          }),
        );
        id = out.RouteTable?.RouteTableId ?? '';
      } else {
        id = change.current.id;
        route = change.current.defaultRouteGateway;
        associated = change.current.associatedSubnets;
        if (change.diffs.some((d) => d.field === 'tags'))
          await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: tagList(tags) }));
      }
      if (route === undefined) {
        await ec2.send(
          new CreateRouteCommand({ RouteTableId: id, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw.id }),
        );
      } else if (route !== igw.id) {
        await ec2.send(
          new ReplaceRouteCommand({ RouteTableId: id, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw.id }),
        );
      }
      for (const s of subnetIds(refs).filter((x) => !associated.includes(x))) {
        await ec2.send(new AssociateRouteTableCommand({ RouteTableId: id, SubnetId: s }));
      }
    },
  };
}

export function subnetKeysOf(vpc: AwsVpc): string[] {
  return vpc.subnets.map((s) => resourceKey({ kind: KIND.subnet, name: subnetName(vpc.name, s.zone) }));
}

export function subnetIdsFrom(refs: Refs, vpc: AwsVpc): string[] | undefined {
  const ids = subnetKeysOf(vpc).map((k) => refs.get<SubnetState>(k)?.id);
  return ids.every((x): x is string => x !== undefined) ? ids : undefined;
}
