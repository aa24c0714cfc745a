import { describe, expect, test } from '@jest/globals';
import { memoryLogger } from '@ralph-deploy/common';
import { awsResources, reconcile, type AnyResource, type AwsClients, type AwsInfrastructure } from '../src/index.js';

/**
 * A client stand-in for the calls moto_server does not implement (ModifyReplicationGroup,
 * UpdateClusterVersion): answers by command name and records every call.
 */
function recordingClient(answers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const calls: [string, unknown][] = [];
  return {
    calls,
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push([name, command.input]);
      const answer = answers[name];
      if (!answer) throw Object.assign(new Error(`unexpected ${name}`), { name: 'Unexpected' });
      return answer(command.input as Record<string, unknown>);
    },
  };
}

const clock = { now: () => 0, sleep: async () => undefined };

function clientsWith(part: Partial<Record<keyof AwsClients, unknown>>): AwsClients {
  return { region: 'us-west-2', ...part } as unknown as AwsClients;
}

describe('AWS updates moto cannot exercise', () => {
  test('cache drift: node type and failover are modified in one call; the replica count is only reported', async () => {
    let group = {
      ReplicationGroupId: 'cache',
      ARN: 'arn:aws:elasticache:us-west-2:1:replicationgroup:cache',
      Status: 'available',
      CacheNodeType: 'cache.r6g.large',
      MemberClusters: ['cache-001', 'cache-002'],
      AutomaticFailover: 'disabled',
      MultiAZ: 'enabled',
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: true,
      NodeGroups: [{ PrimaryEndpoint: { Address: 'primary.cache', Port: 6379 } }],
    };
    const elasticache = recordingClient({
      DescribeReplicationGroups: () => ({ ReplicationGroups: [group] }),
      ListTagsForResource: () => ({
        TagList: [
          { Key: 'ralph-deploy:managed', Value: 'true' },
          { Key: 'ralph-deploy:environment', Value: 'prod' },
        ],
      }),
      ModifyReplicationGroup: (input) => {
        group = { ...group, CacheNodeType: String(input['CacheNodeType']), AutomaticFailover: 'enabled' };
        return {};
      },
      DescribeCacheSubnetGroups: () => ({ CacheSubnetGroups: [{ Subnets: [] }] }),
    });
    const infra: AwsInfrastructure = {
      cache: {
        id: 'cache',
        'node-type': 'cache.r6g.xlarge',
        nodes: 3,
        'automatic-failover': true,
        'multi-az': true,
        'at-rest-encryption': true,
        'transit-encryption': true,
      },
    };
    const ctx = { clients: clientsWith({ elasticache }), environment: 'prod', tags: {}, log: memoryLogger() };
    // The cache subnet group needs a VPC; test the replication group module on its own.
    const cache = awsResources(
      { ...ctx },
      {
        ...infra,
        vpc: {
          name: 'v',
          cidr: '10.0.0.0/16',
          subnets: [
            { zone: 'a', cidr: '10.0.0.0/20' },
            { zone: 'b', cidr: '10.0.16.0/20' },
          ],
        },
      },
    ).filter((r) => r.kind === 'aws:elasticache-replication-group') as AnyResource[];
    const r = await reconcile(
      cache.map((x) => ({ ...x, dependsOn: [] })),
      { log: ctx.log, apply: true, acknowledgeReplacement: [], timeoutMs: 1000, clock },
    );
    expect(r.plan[0]?.diffs.map((d) => [d.field, d.desired, d.actual, d.mode])).toEqual([
      ['node-type', 'cache.r6g.xlarge', 'cache.r6g.large', 'update'],
      ['automatic-failover', true, false, 'update'],
      ['nodes', 3, 2, 'manual'],
    ]);
    expect(elasticache.calls.filter(([n]) => n.startsWith('Modify'))).toEqual([
      [
        'ModifyReplicationGroup',
        {
          ReplicationGroupId: 'cache',
          ApplyImmediately: true,
          CacheNodeType: 'cache.r6g.xlarge',
          AutomaticFailoverEnabled: true,
        },
      ],
    ]);
    expect(r.outputs['cache-endpoint']).toBe('primary.cache:6379');
  });

  test('the generated password is masked before CreateSecret, whose failure echoes it', async () => {
    const log = memoryLogger();
    const secrets = recordingClient({
      DescribeSecret: () => {
        throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
      },
      CreateSecret: (input) => {
        // What a careless service or proxy might do: echo the request in the error.
        expect(log.secrets).toContain((JSON.parse(String(input['SecretString'])) as { password: string }).password);
        throw new Error(`rejected ${String(input['SecretString'])}`);
      },
    });
    const rds = recordingClient({
      DescribeDBSubnetGroups: () => {
        throw Object.assign(new Error('nf'), { name: 'DBSubnetGroupNotFoundFault' });
      },
      DescribeDBInstances: () => {
        throw Object.assign(new Error('nf'), { name: 'DBInstanceNotFoundFault' });
      },
    });
    const ctx = { clients: clientsWith({ secrets, rds }), environment: 'prod', tags: {}, log };
    const infra: AwsInfrastructure = {
      vpc: {
        name: 'v',
        cidr: '10.0.0.0/16',
        subnets: [
          { zone: 'a', cidr: '10.0.0.0/20' },
          { zone: 'b', cidr: '10.0.16.0/20' },
        ],
      },
      database: {
        identifier: 'db',
        engine: 'postgres',
        'engine-version': '15',
        'instance-class': 'db.t3.large',
        'allocated-storage': 100,
        'storage-type': 'gp3',
        'multi-az': true,
        'backup-retention-days': 30,
        'storage-encrypted': true,
        'deletion-protection': true,
        'master-username': 'ralph',
      },
    };
    const secret = awsResources(ctx, infra).filter((r) => r.kind === 'aws:secret');
    const err = await reconcile(secret, { log, apply: true, acknowledgeReplacement: [], timeoutMs: 1000, clock }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(log.secrets).toHaveLength(1);
    expect((err as Error).message).toContain(log.secrets[0]); // the kit redacts masked values from it
    expect(log.lines.join('\n')).not.toContain(log.secrets[0]);
  });

  test('an EKS version behind the spec is upgraded one minor step; a newer one needs replacement', async () => {
    let version = '1.28';
    const eks = recordingClient({
      DescribeCluster: () => ({
        cluster: {
          name: 'c',
          arn: 'arn:c',
          status: 'ACTIVE',
          version,
          roleArn: 'arn:aws:iam::1:role/r',
          resourcesVpcConfig: { subnetIds: [] },
          tags: { 'ralph-deploy:managed': 'true', 'ralph-deploy:environment': 'prod' },
        },
      }),
      UpdateClusterVersion: (input) => {
        version = String(input['version']);
        return {};
      },
    });
    const ctx = { clients: clientsWith({ eks }), environment: 'prod', tags: {}, log: memoryLogger() };
    const vpc = {
      name: 'v',
      cidr: '10.0.0.0/16',
      subnets: [
        { zone: 'a', cidr: '10.0.0.0/20' },
        { zone: 'b', cidr: '10.0.16.0/20' },
      ],
    };
    const cluster = (v: string) =>
      awsResources(ctx, {
        vpc,
        cluster: {
          name: 'c',
          version: v,
          'role-arn': 'arn:aws:iam::1:role/r',
          'node-group': {
            name: 'w',
            'instance-types': ['m5.xlarge'],
            'min-size': 2,
            'max-size': 10,
            'desired-size': 3,
            'disk-size': 100,
            'capacity-type': 'ON_DEMAND',
            'node-role-arn': 'arn:aws:iam::1:role/n',
          },
        },
      })
        .filter((r) => r.kind === 'aws:eks-cluster')
        .map((r) => ({ ...r, dependsOn: [] }));
    const r = await reconcile(cluster('1.30'), {
      log: ctx.log,
      apply: true,
      acknowledgeReplacement: [],
      timeoutMs: 1000,
      clock,
    });
    expect(r.plan[0]?.result).toBe('updated');
    expect(eks.calls.filter(([n]) => n === 'UpdateClusterVersion')).toEqual([
      ['UpdateClusterVersion', { name: 'c', version: '1.29' }],
    ]);
    const down = await reconcile(cluster('1.27'), {
      log: ctx.log,
      apply: true,
      acknowledgeReplacement: [],
      timeoutMs: 1000,
      clock,
    });
    expect(down.blocked.map((i) => i.diffs.map((d) => [d.field, d.mode]))).toEqual([[['version', 'replace']]]);
  });
});
