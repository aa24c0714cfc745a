import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runWorkflow, type WorkflowRun } from '@ralph-deploy/workflow-sim';
import { deploy } from '../../rehearsal/rehearse.js';
import { BROKEN_IMAGE, createStage, ENVIRONMENT, GOOD_IMAGE, type Stage } from '../../rehearsal/stage.js';

// The reusable workflows, executed: GitHub's parser and expression engine decide `needs` and `if:`,
// the suite's bundles run as the runner runs them against a real PostgreSQL, a real HTTP service
// and the Kubernetes API simulator; checkout and cloud sign-in are declared stand-ins.
const results = (run: WorkflowRun) => Object.fromEntries(run.order.map((id) => [id, run.jobs[id]?.result]));
const liveImage = (stage: Stage) => {
  const d = stage.kube.get('Deployment', 'production', 'ralph-orchestrator') as unknown as
    { spec: { template: { spec: { containers: { name: string; image: string }[] } } } } | undefined;
  return d?.spec.template.spec.containers.find((c) => c.name === 'ralph')?.image;
};
const liveRevision = (stage: Stage) =>
  (stage.kube.get('Deployment', 'production', 'ralph-orchestrator')?.metadata.annotations ?? {})[
    'deployment.kubernetes.io/revision'
  ];
const migrationsApplied = async (stage: Stage) => {
  const r = await stage.postgres.query<{ n: string }>(
    "select count(*) as n from information_schema.tables where table_name = 'ralph_migrations'",
    [],
    'ralph_production',
  );
  if (r.rows[0]?.n === '0') return 0;
  return Number(
    (
      await stage.postgres.query<{ n: string }>(
        'select count(*) as n from ralph_migrations where success',
        [],
        'ralph_production',
      )
    ).rows[0]?.n,
  );
};
const consumer = (name: string) => join(repoRoot, 'examples/.github/workflows', name);
const suiteWorkflows = {
  'ralph-deploy/ralph-deploy/.github/workflows/deploy.yml@v1': join(repoRoot, '.github/workflows/deploy.yml'),
  'ralph-deploy/ralph-deploy/.github/workflows/backup.yml@v1': join(repoRoot, '.github/workflows/backup.yml'),
  'ralph-deploy/ralph-deploy/.github/workflows/failover.yml@v1': join(repoRoot, '.github/workflows/failover.yml'),
};
const standIns = {
  'actions/checkout': () => ({}),
  'aws-actions/configure-aws-credentials': () => ({}),
  'docker/login-action': () => ({}),
  'docker/build-push-action': () => ({
    outputs: { digest: 'sha256:2b1e3f4a5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607' },
  }),
};

let stage: Stage;
beforeAll(async () => {
  stage = await createStage();
}, 120_000);
afterAll(async () => {
  await stage?.stop();
});

describe('deploy.yml', () => {
  it('preflight blocks: nothing after it runs and nothing changes', async () => {
    const run = await deploy(stage, GOOD_IMAGE, { quiet: true, inputs: { attest: '' } });
    expect(run.conclusion).toBe('failure');
    expect(results(run)).toEqual({
      preflight: 'failure',
      approve: 'skipped',
      provision: 'skipped',
      backup: 'skipped',
      migrate: 'skipped',
      deploy: 'skipped',
      smoke: 'skipped',
      rollback: 'skipped',
      report: 'success',
    });
    expect(run.outputs.result).toBe('blocked');
    expect(run.jobs.preflight?.steps.at(-1)?.summary).toMatch(/❌ fail.*回滚计划就绪/s);
    expect(await migrationsApplied(stage)).toBe(0);
    expect(liveImage(stage)).toBeUndefined();
  }, 600_000);

  it('all green, through the consumer example (push to main): every phase runs and the release is live', async () => {
    const run = await runWorkflow(consumer('deploy.yml'), {
      workspace: stage.workspace,
      event: { name: 'push' },
      secrets: { DATABASE_URL: stage.databaseUrl },
      vars: { RALPH_ATTESTED_ITEMS: 'rollback-plan,notify-team' },
      env: stage.env,
      standIns,
      workflows: suiteWorkflows,
    });
    const nested = run.jobs.deploy?.workflow as WorkflowRun;
    expect(results(run)).toEqual({ build: 'success', deploy: 'success' });
    expect(results(nested)).toEqual({
      preflight: 'success',
      approve: 'success',
      provision: 'skipped',
      backup: 'success',
      migrate: 'success',
      deploy: 'success',
      smoke: 'success',
      rollback: 'skipped',
      report: 'success',
    });
    expect(run.jobs.deploy?.outputs).toEqual({ result: 'succeeded', revision: '1' });
    expect(liveImage(stage)).toBe(
      'ghcr.io/ralph/service@sha256:2b1e3f4a5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607',
    );
    expect(await migrationsApplied(stage)).toBeGreaterThan(0);
    expect(nested.jobs.smoke?.steps.find((s) => s.uses === '$/actions/smoke-test')?.outputs.passed).toBe('true');
  }, 600_000);

  it('migrate fails: nothing deploys', async () => {
    const bad = join(stage.workspace, 'db/migrations/V999__broken.sql');
    writeFileSync(bad, 'create table ralph.broken (id int);\nselect no_such_function();\n');
    try {
      const before = liveImage(stage);
      const run = await deploy(stage, GOOD_IMAGE, { quiet: true });
      expect(results(run)).toMatchObject({
        preflight: 'success',
        backup: 'success',
        migrate: 'failure',
        deploy: 'skipped',
        smoke: 'skipped',
        rollback: 'skipped',
        report: 'success',
      });
      expect(run.conclusion).toBe('failure');
      expect(run.jobs.migrate?.steps.at(-1)?.errors.at(-1)).toMatch(/V999__broken\.sql/);
      expect(liveImage(stage)).toBe(before);
      const t = await stage.postgres.query("select to_regclass('ralph.broken') as t", [], 'ralph_production');
      expect(t.rows[0]?.t).toBeNull(); // the failed transactional migration left no trace
    } finally {
      rmSync(bad);
    }
  }, 600_000);

  it('deploy rolls itself back: the run fails without smoke testing', async () => {
    const before = liveImage(stage);
    const run = await deploy(stage, BROKEN_IMAGE, { quiet: true });
    expect(results(run)).toMatchObject({
      migrate: 'success',
      deploy: 'failure',
      smoke: 'skipped',
      rollback: 'skipped',
      report: 'success',
    });
    expect(run.conclusion).toBe('failure');
    expect(run.jobs.deploy?.outputs.result).toBe('rolled-back');
    expect(run.outputs.result).toBe('rolled-back');
    expect(liveImage(stage)).toBe(before);
    // The restored template gets a new, higher revision; the run reports the one that is live.
    expect(run.outputs.revision).toBe(liveRevision(stage));
  }, 600_000);

  it('smoke fails: the rollback job restores the previous revision and the run still fails', async () => {
    const before = liveImage(stage);
    stage.service.control({ errorRate: 0.05 });
    try {
      const run = await deploy(stage, 'ghcr.io/mikeyobrien/ralph-orchestrator:v1.0.3', { quiet: true });
      expect(results(run)).toMatchObject({
        deploy: 'success',
        smoke: 'failure',
        rollback: 'success',
        report: 'success',
      });
      expect(run.conclusion).toBe('failure');
      expect(run.jobs.deploy?.outputs.result).toBe('succeeded');
      expect(run.outputs.result).toBe('rolled-back');
      expect(liveImage(stage)).toBe(before);
      expect(run.outputs.revision).toBe(liveRevision(stage));
      expect(run.jobs.smoke?.steps.find((s) => s.uses === '$/actions/smoke-test')?.summary).toMatch(/rate<0\.001/);
    } finally {
      stage.service.control({ errorRate: 0 });
    }
  }, 600_000);
});

describe('backup.yml (consumer schedule)', () => {
  it('hourly: backs up and checks the RPO, skips verification, prunes', async () => {
    const run = await runWorkflow(consumer('backup.yml'), {
      workspace: stage.workspace,
      event: { name: 'schedule', schedule: '7 * * * *' },
      secrets: { DATABASE_URL: stage.databaseUrl },
      env: stage.env,
      standIns,
      workflows: suiteWorkflows,
    });
    const nested = run.jobs.backup?.workflow as WorkflowRun;
    expect(results(nested)).toEqual({ backup: 'success', verify: 'skipped', prune: 'success' });
    expect(nested.jobs.backup?.steps.find((s) => s.id === 'rpo')?.result).toBe('success');
    expect(run.jobs.backup?.outputs['backup-id']).toMatch(/\S/);
  }, 600_000);

  it('daily: also restores the newest backup into a scratch database', async () => {
    const run = await runWorkflow(consumer('backup.yml'), {
      workspace: stage.workspace,
      event: { name: 'schedule', schedule: '17 3 * * *' },
      secrets: { DATABASE_URL: stage.databaseUrl },
      env: stage.env,
      standIns,
      workflows: suiteWorkflows,
    });
    const nested = run.jobs.backup?.workflow as WorkflowRun;
    expect(results(nested)).toEqual({ backup: 'success', verify: 'success', prune: 'success' });
  }, 600_000);
});

describe('failover.yml (consumer dispatch)', () => {
  it('a wrong confirmation changes nothing and says what to type', async () => {
    const run = await runWorkflow(consumer('failover.yml'), {
      workspace: stage.workspace,
      event: { name: 'workflow_dispatch', inputs: { confirm: 'prod', 'dry-run': false } },
      env: stage.env,
      standIns,
      workflows: suiteWorkflows,
    });
    const nested = run.jobs.failover?.workflow as WorkflowRun;
    expect(run.conclusion).toBe('failure');
    const step = nested.jobs.failover?.steps.find((s) => s.uses === '$/actions/failover');
    expect(step?.result).toBe('failure');
    expect(step?.errors.at(-1)).toMatch(new RegExp(ENVIRONMENT));
    expect(step?.outputs['failed-over']).not.toBe('true');
  }, 600_000);
});
