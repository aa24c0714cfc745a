/**
 * The failover action end to end, run from its bundle like the runner runs it: moto_server for RDS,
 * Route53 and SNS, the Kubernetes API fake for the standby cluster, PostgreSQL for the old primary's
 * database, loopback HTTP servers for the health endpoints.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { RECORD_KEYS } from '../../packages/failover/src/index.js';
import {
  createAwsWorld,
  startHealthServer,
  startSnsSink,
  type AwsWorld,
  type HealthServer,
  type SnsSink,
} from '../../packages/failover/test/support/fixtures.js';
import { runAction, type RunResult } from '../harness/run-action.js';
import { startMoto, startPostgres, type MotoService, type PostgresService } from '../harness/services.js';
import { startKubeFake, type Deployment, type KubeFake } from '../kube-fake/index.js';

let moto: MotoService;
let kube: KubeFake;
let sink: SnsSink;
let pg: PostgresService;
let primary: HealthServer;
let standby: HealthServer;
let world: AwsWorld;
let deploymentName: string;
let n = 0;

beforeAll(async () => {
  [moto, kube, sink, pg] = await Promise.all([
    startMoto(),
    startKubeFake({ timeScale: 20, tickMs: 20, namespaces: ['ralph'] }),
    startSnsSink(),
    startPostgres(),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([moto?.stop(), kube?.stop(), sink?.close(), pg?.stop()]);
});
beforeEach(async () => {
  n++;
  sink.messages.length = 0;
  [primary, standby] = await Promise.all([startHealthServer(503), startHealthServer(200)]);
  world = await createAwsWorld(moto.endpoint, sink.url, `e${n}`);
  deploymentName = `ralph-orchestrator-${n}`;
  kube.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deploymentName, namespace: 'ralph', labels: { app: deploymentName } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: deploymentName } },
      template: {
        metadata: { labels: { app: deploymentName } },
        spec: { containers: [{ name: 'ralph', image: 'ghcr.io/mikeyobrien/ralph-orchestrator:v1.0.0' }] },
      },
    },
  } as Deployment);
});
afterEach(async () => {
  kube.clearFaults();
  kube.clearBehaviours();
  world.destroy();
  await Promise.all([primary.close(), standby.close()]);
});

function inputs(over: Record<string, string | number | boolean | undefined> = {}) {
  return {
    environment: 'production',
    confirm: 'production',
    'primary-health-url': primary.url,
    'failure-threshold': 2,
    'probe-interval': '50ms',
    'replica-db-instance': world.replica,
    'promote-timeout': '30s',
    'hosted-zone-id': world.zoneId,
    'record-name': world.recordName,
    'standby-target': world.standbyTarget,
    kubeconfig: kube.kubeconfigPath,
    'standby-namespace': 'ralph',
    'standby-deployment': deploymentName,
    'rollout-timeout': '60s',
    'standby-health-url': standby.url,
    'smoke-timeout': '5s',
    'sns-topic-arn': world.topicArn,
    ...over,
  };
}

const run = (over: Record<string, string | number | boolean | undefined> = {}) =>
  runAction('failover', { inputs: inputs(over), env: moto.env, timeoutMs: 150_000 });

interface Entry {
  step: string;
  result: string;
  before: string;
  action: string;
}
const timeline = (r: RunResult): Entry[] => JSON.parse(r.outputs.timeline ?? '[]') as Entry[];
const results = (r: RunResult) => Object.fromEntries(timeline(r).map((e) => [e.step, e.result]));
const standbyDeployment = () => kube.get<Deployment>('Deployment', 'ralph', deploymentName);

/** Nothing was changed: the record, the replica, the Deployment and the topic are as created. */
async function expectUntouched(): Promise<void> {
  expect(await world.recordValues()).toEqual([world.primaryTarget]);
  expect((await world.describeReplica()).tags).toEqual({});
  expect(standbyDeployment()?.spec.replicas).toBe(1);
  expect(sink.messages).toHaveLength(0);
}

describe('failover action', () => {
  it('fails over every resource; a second run is a no-op', async () => {
    const first = await run();
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs['failed-over']).toBe('true');
    expect(Number(first.outputs['recovery-seconds'])).toBeGreaterThanOrEqual(0);
    expect(results(first)).toEqual({
      'confirm-primary-down': 'done',
      'fence-primary': 'skipped',
      'promote-replica': 'done',
      'repoint-dns': 'done',
      'scale-standby': 'done',
      'smoke-standby': 'done',
      notify: 'done',
    });
    expect(first.summary).toContain('| Step | State before | Action | Result | Duration |');
    expect(first.summary).toMatch(/Recovery time: \S+, within the RTO of 4h/);
    expect(first.annotations.map((a) => a.message)).toContain(
      "Fence the old primary: the old database was not fenced: no 'primary-database-url' given",
    );

    // Each resource, described.
    const replica = await world.describeReplica();
    expect(replica.status).toBe('available');
    expect(replica.tags[RECORD_KEYS.promotedAt]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await world.recordValues()).toEqual([world.standbyTarget]);
    const d = standbyDeployment();
    expect(d?.spec.replicas).toBe(5);
    expect(d?.status?.readyReplicas).toBe(5);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]?.Subject).toMatch(/^\[ralph-deploy\] production failed over to standby: recovered in/);
    expect(sink.messages[0]?.Message).toMatch(/Recovery time: +\S+ \(within the RTO of 4h\)/);
    const report = first.outputs.report ?? '';
    expect(report).not.toBe('');

    const second = await run();
    expect(second.exitCode).toBe(0);
    expect(second.outputs['failed-over']).toBe('true');
    expect(second.outputs['recovery-seconds']).toBe(first.outputs['recovery-seconds']);
    expect(Object.values(results(second))).toEqual(Array(7).fill('skipped'));
    expect(second.summary).toContain(
      'Skipped, their goal already held: confirm-primary-down, fence-primary, promote-replica, repoint-dns, scale-standby, smoke-standby, notify.',
    );
    expect(sink.messages).toHaveLength(1);
    expect(kube.requests().filter((q) => q.method === 'PATCH' && q.url.includes(deploymentName))).toHaveLength(1);
    // Last, because it changes the instance: moto refuses to stop an instance that is still a replica.
    expect(await world.replicaIsStandalone()).toBe(true);
  }, 240_000);

  it('a wrong confirmation changes nothing and says what to type', async () => {
    const r = await run({ confirm: 'prod' });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([
      `Input 'confirm': must equal the environment name to fail over: type "production" (nothing was changed)`,
    ]);
    expect(r.log).not.toMatch(/\n\s+at /);
    expect(primary.hits()).toBe(0);
    await expectUntouched();
  }, 240_000);

  it('dry run prints the plan and the state of each resource and changes nothing', async () => {
    const r = await run({ 'dry-run': true, confirm: undefined });
    expect(r.exitCode).toBe(0);
    expect(r.outputs['failed-over']).toBe('false');
    const t = timeline(r);
    expect(t.map((e) => e.result)).toEqual([
      'planned',
      'skipped',
      'planned',
      'planned',
      'planned',
      'planned',
      'planned',
    ]);
    expect(t[2]?.before).toBe(`${world.replica}: read replica of ${world.source} (available)`);
    expect(t[3]?.before).toBe(`${world.recordName}: CNAME ${world.primaryTarget}`);
    expect(t[4]?.before).toBe(`deployment ralph/${deploymentName}: spec 1 replica(s), 1 ready, 1 available`);
    expect(r.summary).toContain(`would promote RDS read replica ${world.replica} and wait until it is available`);
    expect(r.summary).toContain('planned (dry run)');
    await expectUntouched();
    expect(await world.replicaIsStandalone()).toBe(false);
  }, 240_000);

  it('a healthy primary stops the failover unless force', async () => {
    primary.setStatus(200);
    const stopped = await run();
    expect(stopped.exitCode).toBe(1);
    expect(stopped.errors.at(-1)).toMatch(
      /^Confirm the primary is down: the primary at http:\/\/127\.0\.0\.1:\d+\/health answered healthy \(200\) on probe 1 of 2: not failing over \(set 'force' to override\)$/,
    );
    expect(stopped.outputs['failed-over']).toBe('false');
    await expectUntouched();

    const forced = await run({ force: true });
    expect(forced.exitCode).toBe(0);
    expect(forced.outputs['failed-over']).toBe('true');
    expect(forced.annotations.map((a) => a.message).join('\n')).toMatch(/force: the old primary still answers healthy/);
    expect(await world.recordValues()).toEqual([world.standbyTarget]);
  }, 240_000);

  it('a failure after each step, once fixed, resumes without repeating finished steps', async () => {
    const db = `orders_${n}`;
    const ownerUrl = await pg.createDatabase(db);
    await pg.query(`DROP ROLE IF EXISTS app_${n}`);
    await pg.query(`CREATE ROLE app_${n} LOGIN PASSWORD 'app-secret-${n}'`);
    const appUrl = `postgresql://app_${n}:app-secret-${n}@127.0.0.1:${pg.port}/${db}`;

    // 1. Fencing fails: the app role does not own the database.
    const r1 = await run({ 'primary-database-url': appUrl });
    expect(r1.exitCode).toBe(1);
    expect(r1.errors.at(-1)).toMatch(
      /^Fence the old primary: the old database is reachable but could not be fenced: must be owner of database/,
    );
    expect(results(r1)).toMatchObject({
      'confirm-primary-down': 'done',
      'fence-primary': 'failed',
      'promote-replica': 'not-run',
    });
    expect(r1.log).not.toContain(`app-secret-${n}`);

    // 2. Fixed (owner URL); the hosted zone id is wrong, so DNS fails after promotion.
    const r2 = await run({ 'primary-database-url': ownerUrl, 'hosted-zone-id': 'ZNOSUCHZONE' });
    expect(r2.exitCode).toBe(1);
    expect(results(r2)).toMatchObject({
      'confirm-primary-down': 'skipped',
      'fence-primary': 'done',
      'promote-replica': 'done',
      'repoint-dns': 'failed',
    });
    expect(r2.errors.at(-1)).toMatch(/^Repoint DNS to the standby: cannot read CNAME .* in hosted zone ZNOSUCHZONE/);
    await expect(pg.query('CREATE TABLE t (id int)', [], db)).rejects.toThrow(/read-only transaction/);
    // Once promoted, the old primary is not probed again (its URL may now reach the standby).
    const hitsAfterPromotion = primary.hits();

    // 3. Zone fixed; the Kubernetes API refuses the scale once.
    kube.injectFault({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/ralph/deployments/${deploymentName}`,
      status: 403,
      message: 'forbidden by policy',
    });
    const r3 = await run({ 'primary-database-url': ownerUrl });
    expect(r3.exitCode).toBe(1);
    expect(results(r3)).toMatchObject({
      'promote-replica': 'skipped',
      'repoint-dns': 'done',
      'scale-standby': 'failed',
    });
    expect(await world.recordValues()).toEqual([world.standbyTarget]);

    // 4. Scaling works; the standby is not healthy yet.
    standby.setStatus(503);
    const r4 = await run({ 'primary-database-url': ownerUrl, 'smoke-timeout': '1s' });
    expect(r4.exitCode).toBe(1);
    expect(results(r4)).toMatchObject({
      'repoint-dns': 'skipped',
      'scale-standby': 'done',
      'smoke-standby': 'failed',
      notify: 'not-run',
    });
    expect(standbyDeployment()?.status?.readyReplicas).toBe(5);

    // 5. The standby is healthy; the topic is gone.
    standby.setStatus(200);
    await world.deleteTopic();
    const r5 = await run({ 'primary-database-url': ownerUrl });
    expect(r5.exitCode).toBe(1);
    expect(results(r5)).toMatchObject({ 'scale-standby': 'skipped', 'smoke-standby': 'done', notify: 'failed' });
    expect(r5.outputs['failed-over']).toBe('false');

    // 6. The topic is back: only the notification is left to do.
    await world.createTopic();
    const r6 = await run({ 'primary-database-url': ownerUrl });
    expect(r6.exitCode).toBe(0);
    expect(results(r6)).toEqual({
      'confirm-primary-down': 'skipped',
      'fence-primary': 'skipped',
      'promote-replica': 'skipped',
      'repoint-dns': 'skipped',
      'scale-standby': 'skipped',
      'smoke-standby': 'skipped',
      notify: 'done',
    });
    expect(r6.outputs['failed-over']).toBe('true');
    expect(sink.messages).toHaveLength(1);
    expect(primary.hits()).toBe(hitsAfterPromotion);
    expect(
      kube.requests().filter((q) => q.method === 'PATCH' && q.url.includes(deploymentName) && q.status < 300),
    ).toHaveLength(1);
    for (const r of [r1, r2, r3, r4, r5, r6]) expect(r.log).not.toContain(pg.password);
    expect(await world.replicaIsStandalone()).toBe(true);
  }, 600_000);

  it('reads its settings from the spec, masks the database secret, and names a bad value', async () => {
    const db = `spec_${n}`;
    const dbUrl = await pg.createDatabase(db);
    const { confirm: _confirm, environment: _environment, ...settings } = inputs({ 'primary-database-url': undefined });
    const section = { ...settings, 'probe-interval': '50ms', 'primary-database-url': { env: 'OLD_PRIMARY_DB' } };
    const workspace = mkdtempSync(join(tmpdir(), 'failover-spec-'));
    mkdirSync(join(workspace, '.github'));
    const write = (failover: Record<string, unknown>) =>
      writeFileSync(
        join(workspace, '.github', 'ralph-deploy.yml'),
        yaml.dump({ version: 1, environments: { production: { failover } } }),
      );

    write({ ...section, 'failure-threshold': 0 });
    const bad = await runAction('failover', {
      inputs: { environment: 'production', confirm: 'production' },
      env: { ...moto.env, OLD_PRIMARY_DB: dbUrl },
      cwd: workspace,
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.errors.at(-1)).toMatch(
      /^\.github\/ralph-deploy\.yml:\d+:\d+: failover\.failure-threshold: 0 is below the minimum 1$/,
    );
    expect(bad.annotations.find((a) => a.file)).toMatchObject({
      file: '.github/ralph-deploy.yml',
      message: 'failover.failure-threshold: 0 is below the minimum 1',
    });
    await expectUntouched();

    write(section);
    const r = await runAction('failover', {
      inputs: { environment: 'production', confirm: 'production' },
      env: { ...moto.env, OLD_PRIMARY_DB: dbUrl },
      cwd: workspace,
      timeoutMs: 150_000,
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(results(r)['fence-primary']).toBe('done');
    expect(timeline(r)[1]?.action).toBe(`database ${db} set read-only, 0 session(s) terminated`);
    expect(r.masked).toContain(pg.password);
    expect(r.log).not.toContain(pg.password);
    expect(JSON.stringify(r.outputs)).not.toContain(pg.password);
    expect(r.summary).not.toContain(pg.password);
    expect(await world.recordValues()).toEqual([world.standbyTarget]);
  }, 240_000);

  it('cancelled while waiting for the standby, it stops with outputs set; a re-run finishes without scaling again', async () => {
    kube.setBehaviour('ghcr.io/mikeyobrien/ralph-orchestrator:*', { readyAfterSeconds: null });
    const cancelled = await runAction('failover', {
      inputs: inputs(),
      env: moto.env,
      timeoutMs: 150_000,
      signal: { name: 'SIGTERM', when: (out) => out.includes('Scaling deployment ralph/') },
    });
    expect(cancelled.exitCode).not.toBe(0);
    expect(cancelled.outputs['failed-over']).toBe('false');
    expect(results(cancelled)).toMatchObject({
      'repoint-dns': 'done',
      'scale-standby': 'failed',
      'smoke-standby': 'not-run',
      notify: 'not-run',
    });
    expect(cancelled.errors.at(-1)).toMatch(/cancelled/);
    expect(sink.messages).toHaveLength(0);

    kube.clearBehaviours();
    const resumed = await run();
    expect(resumed.exitCode).toBe(0);
    expect(results(resumed)).toMatchObject({
      'promote-replica': 'skipped',
      'repoint-dns': 'skipped',
      'smoke-standby': 'done',
      notify: 'done',
    });
    // Once the pods are ready the step is skipped; if the re-run comes first it only waits: never a second scale.
    const scale = timeline(resumed).find((e) => e.step === 'scale-standby');
    if (scale?.result === 'done')
      expect(scale.action).toBe(`deployment ralph/${deploymentName} already at 5 replica(s); 5 ready`);
    else expect(scale?.result).toBe('skipped');
    expect(
      kube.requests().filter((q) => q.method === 'PATCH' && q.url.includes(deploymentName) && q.status < 300),
    ).toHaveLength(1);
    expect(standbyDeployment()?.status?.readyReplicas).toBe(5);
  }, 400_000);
});
