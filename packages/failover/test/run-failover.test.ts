import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { memoryLogger } from '@ralph-deploy/common';
import { startMoto, startPostgres, type MotoService, type PostgresService } from '../../../test/harness/services.js';
import { RECORD_KEYS, runFailover, type FailoverOptions } from '../src/index.js';
import {
  createAwsWorld,
  startHealthServer,
  startSnsSink,
  type AwsWorld,
  type HealthServer,
  type SnsSink,
} from './support/fixtures.js';
import { memoryCluster } from './support/memory-cluster.js';

let moto: MotoService;
let pg: PostgresService;
let sink: SnsSink;
let primary: HealthServer;
let standby: HealthServer;
let world: AwsWorld;
let n = 0;

beforeAll(async () => {
  [moto, pg, sink] = await Promise.all([startMoto(), startPostgres(), startSnsSink()]);
});
afterAll(async () => {
  await Promise.all([moto?.stop(), pg?.stop(), sink?.close()]);
});
beforeEach(async () => {
  n++;
  sink.messages.length = 0;
  [primary, standby] = await Promise.all([startHealthServer(503), startHealthServer(200)]);
  world = await createAwsWorld(moto.endpoint, sink.url, `t${n}`);
});
afterEach(async () => {
  world.destroy();
  await Promise.all([primary.close(), standby.close()]);
});

function options(cluster: ReturnType<typeof memoryCluster>, over: Partial<FailoverOptions> = {}): FailoverOptions {
  return {
    environment: 'production',
    dryRun: false,
    force: false,
    primary: { healthUrl: primary.url, failureThreshold: 3, probeIntervalMs: 10, probeTimeoutMs: 2000 },
    replica: { instanceId: world.replica, timeoutMs: 10_000 },
    dns: {
      zoneId: world.zoneId,
      name: world.recordName,
      type: 'CNAME',
      target: world.standbyTarget,
      ttl: 60,
      timeoutMs: 10_000,
    },
    standby: {
      namespace: 'ralph',
      deployment: 'ralph-orchestrator',
      replicas: 5,
      timeoutMs: 10_000,
      healthUrl: standby.url,
      smokeTimeoutMs: 5_000,
      cluster,
    },
    notify: { topicArn: world.topicArn, rtoMs: 4 * 3600_000 },
    log: memoryLogger(),
    signal: new AbortController().signal,
    pollMs: { rds: 50, dns: 50 },
    clients: { rds: world.rds, route53: world.route53, sns: world.sns },
    ...over,
  };
}

describe('runFailover against moto', () => {
  it('fails over every resource, and a second run changes nothing and does not notify again', async () => {
    const cluster = memoryCluster(1);
    const first = await runFailover(options(cluster));
    expect(first.error?.message).toBeUndefined();
    expect(first.failedOver).toBe(true);
    expect(first.acted).toEqual([
      'confirm-primary-down',
      'promote-replica',
      'repoint-dns',
      'scale-standby',
      'smoke-standby',
      'notify',
    ]);
    // Without primary-database-url there is nothing to fence beyond the (passed) health refusal.
    expect(first.timeline[1]?.result).toBe('skipped');
    expect(first.timeline[1]?.warnings).toEqual(["the old database was not fenced: no 'primary-database-url' given"]);
    expect(primary.hits()).toBeGreaterThanOrEqual(3);

    expect(await world.recordValues()).toEqual([world.standbyTarget]);
    expect([cluster.spec, cluster.ready]).toEqual([5, 5]);
    const replica = await world.describeReplica();
    expect(replica.status).toBe('available');
    expect(replica.tags[RECORD_KEYS.promotedAt]).toMatch(/^\d{4}-/);
    expect(replica.tags[RECORD_KEYS.notifiedAt]).toMatch(/^\d{4}-/);
    expect(Number(replica.tags[RECORD_KEYS.recoverySeconds])).toBe(first.recoverySeconds);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]?.Subject).toMatch(
      /^\[ralph-deploy\] production failed over to standby: recovered in \S+ \(within RTO 4h\)$/,
    );
    expect(sink.messages[0]?.Message).toContain('Promote the read replica: done');

    const second = await runFailover(options(cluster));
    expect(second.error).toBeUndefined();
    expect(second.failedOver).toBe(true);
    expect(second.acted).toEqual([]);
    expect(second.skipped).toHaveLength(7);
    expect(second.recoverySeconds).toBe(first.recoverySeconds);
    expect(cluster.scaleCalls).toBe(1);
    expect(sink.messages).toHaveLength(1);
    // Last: stopping changes the instance, and moto refuses to stop a read replica.
    expect(await world.replicaIsStandalone()).toBe(true);
  });

  it('refuses while the primary answers healthy and changes nothing', async () => {
    primary.setStatus(200);
    const cluster = memoryCluster(1);
    const r = await runFailover(options(cluster));
    expect(r.failedOver).toBe(false);
    expect(r.error?.message).toMatch(
      /^Confirm the primary is down: the primary at http:\/\/127\.0\.0\.1:\d+\/health answered healthy \(200\) on probe 1 of 3: not failing over/,
    );
    expect(r.timeline.map((e) => e.result)).toEqual([
      'failed',
      'not-run',
      'not-run',
      'not-run',
      'not-run',
      'not-run',
      'not-run',
    ]);
    expect(await world.recordValues()).toEqual([world.primaryTarget]);
    expect((await world.describeReplica()).tags).toEqual({});
    expect(cluster.scaleCalls).toBe(0);
    expect(sink.messages).toHaveLength(0);
    expect(await world.replicaIsStandalone()).toBe(false);
  });

  it('with force, fails over past a healthy primary and says so', async () => {
    primary.setStatus(200);
    const r = await runFailover(options(memoryCluster(1), { force: true }));
    expect(r.error).toBeUndefined();
    expect(r.failedOver).toBe(true);
    expect(r.timeline[0]?.before).toBe('not checked: force');
    expect(r.timeline[1]?.warnings.join('\n')).toMatch(/force: the old primary still answers healthy \(answered 200\)/);
    expect(await world.recordValues()).toEqual([world.standbyTarget]);
  });

  it('fences the old database: read-only by default and its sessions ended', async () => {
    const dbName = `app_${n}`;
    const dbUrl = await pg.createDatabase(dbName);
    const { pg: pgLib } = await import('@ralph-deploy/postgres');
    const writer = new pgLib.Client({ connectionString: dbUrl });
    await writer.connect();
    writer.on('error', () => undefined);
    await writer.query('CREATE TABLE orders (id int)');
    const r = await runFailover(
      options(memoryCluster(1), {
        primary: {
          healthUrl: primary.url,
          failureThreshold: 2,
          probeIntervalMs: 10,
          probeTimeoutMs: 2000,
          databaseUrl: dbUrl,
        },
      }),
    );
    expect(r.error).toBeUndefined();
    expect(r.timeline[1]?.action).toBe(`database ${dbName} set read-only, 1 session(s) terminated`);
    await expect(writer.query('INSERT INTO orders VALUES (1)')).rejects.toThrow(/terminat|connection error/);
    await writer.end().catch(() => undefined);
    await expect(pg.query('INSERT INTO orders VALUES (2)', [], dbName)).rejects.toThrow(/read-only transaction/);
    const again = await runFailover(
      options(memoryCluster(5), {
        primary: {
          healthUrl: primary.url,
          failureThreshold: 2,
          probeIntervalMs: 10,
          probeTimeoutMs: 2000,
          databaseUrl: dbUrl,
        },
      }),
    );
    expect(again.timeline[1]?.result).toBe('skipped');
    expect(again.timeline[1]?.before).toMatch(`database ${dbName}: read-only`);
  });

  it('reports an unreachable old database as not fenced and goes on', async () => {
    const r = await runFailover(
      options(memoryCluster(1), {
        primary: {
          healthUrl: primary.url,
          failureThreshold: 1,
          probeIntervalMs: 10,
          probeTimeoutMs: 2000,
          databaseUrl: `postgresql://app:secret-pw@127.0.0.1:${pg.port + 1}/app`,
        },
      }),
    );
    expect(r.error).toBeUndefined();
    expect(r.timeline[1]?.warnings.join('\n')).toMatch(
      /the old database could not be fenced: unreachable from the runner/,
    );
    expect(r.timeline[1]?.warnings.join('\n')).not.toContain('secret-pw');
  });

  it('dry run observes every resource and changes nothing', async () => {
    const cluster = memoryCluster(1);
    const r = await runFailover(options(cluster, { dryRun: true }));
    expect(r.error).toBeUndefined();
    expect(r.failedOver).toBe(false);
    expect(r.timeline.map((e) => e.result)).toEqual([
      'planned',
      'skipped',
      'planned',
      'planned',
      'planned',
      'planned',
      'planned',
    ]);
    expect(r.timeline[2]?.before).toBe(`${world.replica}: read replica of ${world.source} (available)`);
    expect(r.timeline[3]?.before).toBe(`${world.recordName}: CNAME ${world.primaryTarget}`);
    expect(r.timeline[4]?.before).toBe('deployment ralph/ralph-orchestrator: spec 1 replica(s), 1 ready, 1 available');
    expect(await world.recordValues()).toEqual([world.primaryTarget]);
    expect((await world.describeReplica()).tags).toEqual({});
    expect(cluster.scaleCalls).toBe(0);
    expect(sink.messages).toHaveLength(0);
    expect(await world.replicaIsStandalone()).toBe(false);
  });

  it('resumes a standby that did not become ready without scaling it again', async () => {
    const cluster = memoryCluster(1);
    cluster.podsStart = false;
    const first = await runFailover(options(cluster));
    expect(first.error?.message).toBe(
      'Scale the standby deployment: Deployment ralph/ralph-orchestrator was not ready within 10s: 1 of 5 available',
    );
    expect(first.timeline.map((e) => e.result)).toEqual([
      'done',
      'skipped',
      'done',
      'done',
      'failed',
      'not-run',
      'not-run',
    ]);
    expect(sink.messages).toHaveLength(0);

    cluster.podsStart = true;
    const second = await runFailover(options(cluster));
    expect(second.error).toBeUndefined();
    expect(second.acted).toEqual(['scale-standby', 'smoke-standby', 'notify']);
    expect(second.timeline[4]?.action).toBe('deployment ralph/ralph-orchestrator already at 5 replica(s); 5 ready');
    expect(cluster.scaleCalls).toBe(1);
    expect(sink.messages).toHaveLength(1);
  });

  it('writes an alias record when the target has a hosted zone, and recognises it on a re-run', async () => {
    const dns = {
      zoneId: world.zoneId,
      name: `api.${world.recordName}`,
      type: 'A' as const,
      target: 'standby-lb-123.us-west-2.elb.amazonaws.com',
      aliasZoneId: 'Z1H1FL5HABSF5',
      ttl: 60,
      timeoutMs: 10_000,
    };
    const cluster = memoryCluster(5);
    const first = await runFailover(options(cluster, { dns }));
    expect(first.error).toBeUndefined();
    expect(first.timeline[3]?.before).toBe(`${dns.name}: absent`);
    expect(first.timeline[3]?.action).toMatch(
      /^UPSERT A alias standby-lb-123\.us-west-2\.elb\.amazonaws\.com \(change \S+ INSYNC after 1 poll\(s\)\)$/,
    );
    const second = await runFailover(options(cluster, { dns }));
    expect(second.timeline[3]?.result).toBe('skipped');
    // Route53 answers the name fully qualified; moto without the final dot: both match.
    expect(second.timeline[3]?.before).toMatch(/: A alias standby-lb-123\.us-west-2\.elb\.amazonaws\.com\.?$/);
  });
});
