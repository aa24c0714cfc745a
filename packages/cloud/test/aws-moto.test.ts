import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { DeleteSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import * as yaml from 'js-yaml';
import { memoryLogger } from '@ralph-deploy/common';
import { infrastructureSchema } from '../../config/src/sections/provision.js';
import { startMoto, type MotoService } from '../../../test/harness/services.js';
import { awsClients, provision, type AwsClients, type Infrastructure, type ProvisionOptions } from '../src/index.js';

const example = (
  yaml.load(readFileSync(new URL('../../../examples/.github/ralph-deploy.yml', import.meta.url), 'utf8')) as {
    environments: { production: { provision: { infrastructure: unknown; region: string } } };
  }
).environments.production;

function guideInfrastructure(): Infrastructure {
  return infrastructureSchema.parse(example.provision.infrastructure) as Infrastructure;
}

describe('provision against moto_server', () => {
  let moto: MotoService;
  let clients: AwsClients;
  const log = memoryLogger();
  const outputs: unknown[] = [];

  const run = async (infra: Infrastructure, apply: boolean, extra: Partial<ProvisionOptions> = {}) => {
    const r = await provision({
      provider: 'aws',
      region: 'us-west-2',
      environment: 'production',
      infrastructure: infra,
      apply,
      acknowledgeReplacement: [],
      timeoutMs: 60_000,
      pollIntervalMs: 10,
      log,
      awsClients: clients,
      ...extra,
    });
    outputs.push(r);
    return r;
  };

  beforeAll(async () => {
    moto = await startMoto();
    Object.assign(process.env, { ...moto.env, AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2' });
    clients = awsClients('us-west-2', moto.endpoint);
  });
  afterAll(async () => {
    await moto?.stop();
  });

  test('the plan on an empty account creates everything and changes nothing', async () => {
    const r = await run(guideInfrastructure(), false);
    expect(r.changed).toBe(false);
    expect(r.plan.every((i) => i.action === 'create')).toBe(true);
    expect(r.plan.map((i) => i.kind)).toEqual([
      'aws:vpc',
      'aws:subnet',
      'aws:subnet',
      'aws:subnet',
      'aws:internet-gateway',
      'aws:route-table',
      'aws:eks-cluster',
      'aws:eks-nodegroup',
      'aws:db-subnet-group',
      'aws:secret',
      'aws:rds-instance',
      'aws:rds-read-replica',
      'aws:cache-subnet-group',
      'aws:elasticache-replication-group',
      'aws:s3-bucket',
    ]);
    const vpcs = await clients.ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['ralph-production'] }] }),
    );
    expect(vpcs.Vpcs ?? []).toHaveLength(0);
  });

  test('the first apply creates everything with the guide settings', async () => {
    const r = await run(guideInfrastructure(), true);
    expect(r.changed).toBe(true);
    expect(r.blocked).toEqual([]);
    expect(r.plan.map((i) => i.result)).toEqual(r.plan.map(() => 'created'));

    const vpc =
      (
        await clients.ec2.send(
          new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['ralph-production'] }] }),
        )
      ).Vpcs ?? [];
    expect(vpc).toHaveLength(1);
    expect(vpc[0]?.CidrBlock).toBe('10.0.0.0/16');
    const tags = Object.fromEntries((vpc[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({
      'ralph-deploy:managed': 'true',
      'ralph-deploy:environment': 'production',
      app: 'ralph-orchestrator',
    });
    const subnets =
      (
        await clients.ec2.send(
          new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc[0]?.VpcId ?? ''] }] }),
        )
      ).Subnets ?? [];
    expect(subnets.map((s) => s.AvailabilityZone).sort()).toEqual(['us-west-2a', 'us-west-2b', 'us-west-2c']);
    const igw = (
      await clients.ec2.send(
        new DescribeInternetGatewaysCommand({
          Filters: [{ Name: 'attachment.vpc-id', Values: [vpc[0]?.VpcId ?? ''] }],
        }),
      )
    ).InternetGateways;
    expect(igw).toHaveLength(1);
    const rt = (
      await clients.ec2.send(
        new DescribeRouteTablesCommand({ Filters: [{ Name: 'tag:Name', Values: ['ralph-production-public'] }] }),
      )
    ).RouteTables?.[0];
    expect(rt?.Routes?.find((x) => x.DestinationCidrBlock === '0.0.0.0/0')?.GatewayId).toBe(
      igw?.[0]?.InternetGatewayId,
    );
    expect((rt?.Associations ?? []).filter((a) => a.SubnetId)).toHaveLength(3);

    const cluster = (await clients.eks.send(new DescribeClusterCommand({ name: 'ralph-production' }))).cluster;
    expect(cluster?.version).toBe('1.34');
    expect([...(cluster?.resourcesVpcConfig?.subnetIds ?? [])].sort()).toEqual(subnets.map((s) => s.SubnetId).sort());
    const ng = (
      await clients.eks.send(
        new DescribeNodegroupCommand({ clusterName: 'ralph-production', nodegroupName: 'workers' }),
      )
    ).nodegroup;
    expect(ng?.instanceTypes).toEqual(['m5.xlarge']);
    expect(ng?.scalingConfig).toEqual({ minSize: 2, maxSize: 10, desiredSize: 3 });

    const db = (await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'ralph-prod-db' })))
      .DBInstances?.[0];
    expect(db).toMatchObject({
      DBInstanceClass: 'db.t3.large',
      Engine: 'postgres',
      AllocatedStorage: 100,
      MultiAZ: true,
      BackupRetentionPeriod: 30,
      StorageEncrypted: true,
      MasterUsername: 'ralph',
      DeletionProtection: true,
    });
    expect(db?.EngineVersion?.startsWith('15')).toBe(true);
    expect(db?.DBSubnetGroup?.DBSubnetGroupName).toBe('ralph-prod-db-subnets');
    expect(db?.ReadReplicaDBInstanceIdentifiers).toEqual(['ralph-prod-db-replica']);
    const replica = (
      await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'ralph-prod-db-replica' }))
    ).DBInstances?.[0];
    expect(replica?.ReadReplicaSourceDBInstanceIdentifier).toBe('ralph-prod-db');

    const rg = (
      await clients.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'ralph-prod-cache' }))
    ).ReplicationGroups?.[0];
    expect(rg).toMatchObject({
      CacheNodeType: 'cache.r6g.large',
      AutomaticFailover: 'enabled',
      MultiAZ: 'enabled',
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: true,
    });

    const Bucket = 'ralph-backups';
    expect((await clients.s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    expect(
      (await clients.s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]
        ?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    ).toBe('AES256');
    expect((await clients.s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration).toEqual(
      {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    );
    const rule = (await clients.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules?.[0];
    expect(rule).toMatchObject({
      ID: 'ralph-deploy-retention',
      Status: 'Enabled',
      Expiration: { Days: 30 },
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    });

    expect(r.outputs['cluster-endpoint']).toBe(cluster?.endpoint);
    expect(r.outputs['database-endpoint']).toBe(`${db?.Endpoint?.Address}:${db?.Endpoint?.Port}`);
    expect(r.outputs['cache-endpoint']).toMatch(/:6379$/);
    expect(r.outputs['backup-bucket']).toBe('ralph-backups');
    expect(r.kubeconfig?.server).toBe(cluster?.endpoint);
    expect(r.kubeconfig?.exec.args).toEqual([
      '--region',
      'us-west-2',
      'eks',
      'get-token',
      '--cluster-name',
      'ralph-production',
      '--output',
      'json',
    ]);
  });

  test('a second apply changes nothing', async () => {
    const r = await run(guideInfrastructure(), true);
    expect(r.changed).toBe(false);
    const changedItems = r.plan.filter((i) => i.action !== 'no-change' || i.result !== 'unchanged');
    expect(changedItems).toEqual([]);
    // Only report-only drift may remain: moto ignores NumCacheClusters for a cluster-mode-disabled
    // group (it always makes one member), which provision reports and, by design, leaves alone.
    const drift = r.plan.flatMap((i) => i.diffs.map((d) => `${i.key}.${d.field}:${d.mode}`));
    expect(drift.filter((d) => !d.endsWith(':manual'))).toEqual([]);
  });

  test("raising the node group's max from 10 to 12 updates only that", async () => {
    const infra = guideInfrastructure();
    const ng = infra.aws?.cluster?.['node-group'];
    if (!ng) throw new Error('example has no node group');
    ng['max-size'] = 12;
    const planned = await run(infra, false);
    const updates = planned.plan.filter((i) => i.action !== 'no-change');
    expect(updates.map((i) => [i.key, i.action, i.diffs])).toEqual([
      [
        'aws:eks-nodegroup/ralph-production/workers',
        'update',
        [{ field: 'max-size', desired: 12, actual: 10, mode: 'update' }],
      ],
    ]);
    const applied = await run(infra, true);
    expect(applied.changed).toBe(true);
    expect(applied.plan.filter((i) => i.result !== 'unchanged').map((i) => [i.key, i.result])).toEqual([
      ['aws:eks-nodegroup/ralph-production/workers', 'updated'],
    ]);
    const now = (
      await clients.eks.send(
        new DescribeNodegroupCommand({ clusterName: 'ralph-production', nodegroupName: 'workers' }),
      )
    ).nodegroup;
    expect(now?.scalingConfig).toEqual({ minSize: 2, maxSize: 12, desiredSize: 3 });
    expect((await run(infra, true)).changed).toBe(false);
  });

  test('out-of-band drift is reported with desired and actual values, then repaired by apply', async () => {
    await clients.rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'ralph-prod-db',
        BackupRetentionPeriod: 7,
        ApplyImmediately: true,
      }),
    );
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: 'ralph-backups', VersioningConfiguration: { Status: 'Suspended' } }),
    );
    const infra = guideInfrastructure();
    infra.aws!.cluster!['node-group']['max-size'] = 12;
    const planned = await run(infra, false);
    const drift = planned.plan
      .filter((i) => i.action === 'update')
      .map((i) => [i.key, i.diffs.map((d) => [d.field, d.desired, d.actual])]);
    expect(drift).toEqual([
      ['aws:rds-instance/ralph-prod-db', [['backup-retention-days', 30, 7]]],
      ['aws:s3-bucket/ralph-backups', [['versioning', 'Enabled', 'Suspended']]],
    ]);
    const applied = await run(infra, true);
    expect(applied.plan.filter((i) => i.result === 'updated').map((i) => i.key)).toEqual([
      'aws:rds-instance/ralph-prod-db',
      'aws:s3-bucket/ralph-backups',
    ]);
    const db = (await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'ralph-prod-db' })))
      .DBInstances?.[0];
    expect(db?.BackupRetentionPeriod).toBe(30);
    expect((await clients.s3.send(new GetBucketVersioningCommand({ Bucket: 'ralph-backups' }))).Status).toBe('Enabled');
  });

  test('replacement drift blocks the apply and nothing changes; acknowledged, it is left for a human', async () => {
    const infra = guideInfrastructure();
    infra.aws!.vpc!.cidr = '10.1.0.0/16';
    infra.aws!.database!['backup-retention-days'] = 14;
    const r = await run(infra, true);
    expect(r.changed).toBe(false);
    expect(r.blocked.map((i) => [i.key, i.diffs.filter((d) => d.mode === 'replace').map((d) => d.field)])).toEqual([
      ['aws:vpc/ralph-production', ['cidr']],
    ]);
    let db = (await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'ralph-prod-db' })))
      .DBInstances?.[0];
    expect(db?.BackupRetentionPeriod).toBe(30);

    const acked = await run(infra, true, { acknowledgeReplacement: ['ralph-production.cidr'] });
    expect(acked.blocked).toEqual([]);
    expect(acked.manual).toEqual([
      expect.stringContaining('aws:vpc/ralph-production: cidr is 10.0.0.0/16, desired 10.1.0.0/16'),
    ]);
    expect(acked.plan.find((i) => i.key === 'aws:vpc/ralph-production')?.result).toBe('skipped');
    db = (await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'ralph-prod-db' })))
      .DBInstances?.[0];
    expect(db?.BackupRetentionPeriod).toBe(14);
    const vpcs =
      (
        await clients.ec2.send(
          new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['ralph-production'] }] }),
        )
      ).Vpcs ?? [];
    expect(vpcs.map((v) => v.CidrBlock)).toEqual(['10.0.0.0/16']);
  });

  test('a lost password secret is regenerated and set on the existing instance', async () => {
    const SecretId = 'ralph-deploy/production/ralph-prod-db/master';
    const before = await clients.secrets.send(new GetSecretValueCommand({ SecretId }));
    await clients.secrets.send(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }));
    const infra = guideInfrastructure();
    infra.aws!.cluster!['node-group']['max-size'] = 12;
    infra.aws!.database!['backup-retention-days'] = 14;
    const r = await run(infra, true, { acknowledgeReplacement: ['ralph-production'] });
    expect(r.plan.filter((i) => i.result === 'created').map((i) => i.key)).toEqual([`aws:secret/${SecretId}`]);
    expect(log.lines).toContain(
      'warning: ralph-prod-db exists but its password secret did not: setting its master password to the newly generated one',
    );
    const after = await clients.secrets.send(new GetSecretValueCommand({ SecretId }));
    expect(after.SecretString).not.toBe(before.SecretString);
  });

  test('the generated password is masked, stored in Secrets Manager, and never appears anywhere', async () => {
    const secret = await clients.secrets.send(
      new GetSecretValueCommand({ SecretId: 'ralph-deploy/production/ralph-prod-db/master' }),
    );
    const { username, password } = JSON.parse(secret.SecretString ?? '{}') as { username: string; password: string };
    expect(username).toBe('ralph');
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(log.secrets).toContain(password);
    const everything = log.lines.join('\n') + JSON.stringify(outputs);
    // The current password and the one it replaced (both were masked) appear nowhere.
    expect(new Set(log.secrets.filter((s) => !s.startsWith('{'))).size).toBe(2);
    for (const secret of log.secrets) expect(everything).not.toContain(secret);
    expect(everything.length).toBeGreaterThan(1000);
  });
});
