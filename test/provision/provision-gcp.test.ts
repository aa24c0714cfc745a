import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, test } from '@jest/globals';
import * as yaml from 'js-yaml';
import { runAction, type RunResult } from '../harness/run-action.js';
import { exampleSection, workspaceWith, type Kubeconfig } from './spec.js';

const fakeBin = fileURLToPath(new URL('./fake-gcloud', import.meta.url));
const LABELS =
  '--labels=app=ralph-orchestrator,ralph-deploy-environment=production,ralph-deploy-managed=true,team=platform';

// The stand-in gcloud (fake-gcloud/gcloud) records argv and keeps gcloud-shaped JSON state.
describe('provision action with provider gcp (stand-in gcloud on PATH)', () => {
  let state: string;
  let logFile: string;

  const gcpSection = () => ({ ...exampleSection(), provider: 'gcp' });
  const run = async (section: Record<string, unknown>, inputs: Record<string, string> = {}): Promise<RunResult> =>
    runAction('provision', {
      cwd: workspaceWith(section),
      inputs: { environment: 'production', ...inputs },
      env: {
        PATH: `${fakeBin}${delimiter}${process.env['PATH'] ?? ''}`,
        FAKE_GCLOUD_STATE: state,
        FAKE_GCLOUD_LOG: logFile,
      },
    });
  /** The command lines run since the last call (describe included). */
  const calls = (() => {
    let seen = 0;
    return () => {
      const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
      const fresh = lines.slice(seen).map((l) => (JSON.parse(l) as string[]).join(' '));
      seen = lines.length;
      return fresh;
    };
  })();
  const changes = (all: string[]) => all.filter((c) => !c.includes(' describe '));
  const planOf = (r: RunResult) =>
    JSON.parse(r.outputs['plan'] ?? '[]') as { resource: string; action: string; result?: string; drift?: unknown[] }[];

  beforeEach(() => {
    state = mkdtempSync(join(tmpdir(), 'fake-gcloud-state-'));
    logFile = join(state, 'calls.log');
    writeFileSync(logFile, '');
    calls();
  });

  test('create, then no change, then drift repaired with exact commands', async () => {
    // Plan: describes only.
    const plan = await run(gcpSection());
    expect(plan.errors).toEqual([]);
    expect(plan.exitCode).toBe(0);
    expect(calls()).toEqual([
      'container clusters describe ralph-production --zone=us-central1-a --project=ralph-prod --format=json',
      'sql instances describe ralph-prod-db --project=ralph-prod --format=json',
      'redis instances describe ralph-prod-cache --region=us-central1 --project=ralph-prod --format=json',
    ]);
    expect(planOf(plan).map((p) => [p.resource, p.action])).toEqual([
      ['gcp:gke-cluster/ralph-production', 'create'],
      ['gcp:cloud-sql-instance/ralph-prod-db', 'create'],
      ['gcp:memorystore-redis/ralph-prod-cache', 'create'],
    ]);

    // Apply: the guide's three create commands, with JSON output and labels.
    const created = await run(gcpSection(), { apply: 'true', 'write-kubeconfig': 'kubeconfig' });
    expect(created.errors).toEqual([]);
    expect(created.exitCode).toBe(0);
    expect(changes(calls())).toEqual([
      'container clusters create ralph-production --zone=us-central1-a --machine-type=n2-standard-4 --num-nodes=3 --enable-autoscaling --min-nodes=2 --max-nodes=10 ' +
        `--enable-autorepair --enable-autoupgrade ${LABELS} --project=ralph-prod --format=json --quiet`,
      'sql instances create ralph-prod-db --database-version=POSTGRES_15 --cpu=4 --memory=16GB --region=us-central1 --availability-type=REGIONAL --backup ' +
        `--backup-start-time=03:00 --deletion-protection ${LABELS} --project=ralph-prod --format=json --quiet`,
      `redis instances create ralph-prod-cache --size=5 --region=us-central1 --redis-version=redis_6_x --tier=STANDARD_HA ${LABELS} --project=ralph-prod --format=json --quiet`,
    ]);
    expect(created.outputs).toMatchObject({
      changed: 'true',
      'cluster-endpoint': 'https://203.0.113.10',
      'database-endpoint': '198.51.100.7:5432',
      'cache-endpoint': '10.0.0.3:6379',
      'backup-bucket': '',
    });
    const kube = yaml.load(readFileSync(join(created.workspace, 'kubeconfig'), 'utf8')) as Kubeconfig;
    expect(kube['current-context']).toBe('gke_ralph-prod_us-central1-a_ralph-production');
    expect(kube.users[0]?.user.exec).toMatchObject({ command: 'gke-gcloud-auth-plugin', provideClusterInfo: true });
    expect(created.summary).toContain('gcloud commands run');

    // Second apply: describes only, nothing changed.
    const again = await run(gcpSection(), { apply: 'true' });
    expect(again.exitCode).toBe(0);
    expect(again.outputs['changed']).toBe('false');
    expect(changes(calls())).toEqual([]);
    expect(planOf(again).map((p) => p.action)).toEqual(['no-change', 'no-change', 'no-change']);

    // Drift made out of band: backups moved to 04:00, autoscaling max lowered to 5.
    const sql = JSON.parse(readFileSync(join(state, 'sql-ralph-prod-db.json'), 'utf8'));
    sql.settings.backupConfiguration.startTime = '04:00';
    writeFileSync(join(state, 'sql-ralph-prod-db.json'), JSON.stringify(sql));
    const gke = JSON.parse(readFileSync(join(state, 'gke-ralph-production.json'), 'utf8'));
    gke.nodePools[0].autoscaling.maxNodeCount = 5;
    writeFileSync(join(state, 'gke-ralph-production.json'), JSON.stringify(gke));

    const drift = await run(gcpSection());
    expect(drift.exitCode).toBe(0);
    expect(changes(calls())).toEqual([]);
    expect(planOf(drift).filter((p) => p.action !== 'no-change')).toEqual([
      {
        resource: 'gcp:gke-cluster/ralph-production',
        action: 'update',
        drift: [{ field: 'max-nodes', desired: 10, actual: 5, mode: 'update' }],
      },
      {
        resource: 'gcp:cloud-sql-instance/ralph-prod-db',
        action: 'update',
        drift: [{ field: 'backup-start-time', desired: '03:00', actual: '04:00', mode: 'update' }],
      },
    ]);
    expect(drift.summary).toContain('backup-start-time: desired 03:00, actual 04:00');

    const repaired = await run(gcpSection(), { apply: 'true' });
    expect(repaired.exitCode).toBe(0);
    expect(repaired.outputs['changed']).toBe('true');
    expect(changes(calls())).toEqual([
      'container clusters update ralph-production --zone=us-central1-a --node-pool=default-pool --enable-autoscaling --min-nodes=2 --max-nodes=10 --project=ralph-prod --format=json --quiet',
      'sql instances patch ralph-prod-db --backup-start-time=03:00 --project=ralph-prod --format=json --quiet',
    ]);
    await run(gcpSection(), { apply: 'true' });
    expect(changes(calls())).toEqual([]);
  }, 600_000);

  test('replacement drift (a tier change) fails and runs no change command', async () => {
    await run(gcpSection(), { apply: 'true' });
    calls();
    const redis = JSON.parse(readFileSync(join(state, 'redis-ralph-prod-cache.json'), 'utf8'));
    redis.tier = 'BASIC';
    writeFileSync(join(state, 'redis-ralph-prod-cache.json'), JSON.stringify(redis));
    const r = await run(gcpSection(), { apply: 'true' });
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toContain(
      'gcp:memorystore-redis/ralph-prod-cache (tier: desired STANDARD_HA, actual BASIC [needs replacement]',
    );
    expect(changes(calls())).toEqual([]);
  }, 300_000);

  test('a gcloud failure other than not-found fails the step with its error line', async () => {
    writeFileSync(join(state, 'sql-ralph-prod-db.json'), '{not json');
    const r = await run(gcpSection());
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toMatch(
      /reading gcp:cloud-sql-instance\/ralph-prod-db failed: gcloud sql instances describe failed \(exit 1\)/,
    );
  });
});
