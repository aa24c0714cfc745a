import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as yaml from 'js-yaml';
import { leaksOf, runAction, type RunResult } from '../harness/run-action.js';
import { startMoto, type MotoService } from '../harness/services.js';
import { exampleSection, setIn, workspaceWith, type Kubeconfig } from './spec.js';

// Run `pnpm build provision` first: these tests run dist/provision/index.js like the runner does.
// Each run starts the bundle in a child process (seconds on a busy machine): generous timeouts.
jest.setTimeout(300_000);

describe('provision action against moto_server (end to end)', () => {
  let moto: MotoService;
  let env: Record<string, string>;
  const runs: RunResult[] = [];
  const run = async (section: Record<string, unknown>, inputs: Record<string, string> = {}, workspace?: string) => {
    const r = await runAction('provision', {
      cwd: workspaceWith(section, workspace),
      inputs: { environment: 'production', ...inputs },
      env,
    });
    runs.push(r);
    return r;
  };
  /** Reads state back with the aws CLI, independently of the code under test. */
  const awsCli = <T>(...args: string[]): T =>
    JSON.parse(
      execFileSync('aws', ['--endpoint-url', moto.endpoint, '--region', 'us-west-2', '--output', 'json', ...args], {
        env: { ...process.env, ...env },
      }).toString(),
    );
  const planOf = (r: RunResult) =>
    JSON.parse(r.outputs['plan'] ?? '[]') as { resource: string; action: string; result?: string; drift?: unknown[] }[];

  beforeAll(async () => {
    moto = await startMoto();
    env = { ...moto.env, AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2' };
  });
  afterAll(async () => {
    await moto?.stop();
  });

  test('without apply it prints the plan and changes nothing', async () => {
    const r = await run(exampleSection());
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs['changed']).toBe('false');
    const plan = planOf(r);
    expect(plan).toHaveLength(15);
    expect(new Set(plan.map((p) => p.action))).toEqual(new Set(['create']));
    expect(r.summary).toContain('provision (aws): plan');
    expect(r.summary).toContain('15 to create, 0 to update, 0 unchanged, 0 need replacement');
    expect(r.summary).toMatch(
      /aws:eks-nodegroup\/ralph-production\/workers \| create \| - \| m5\.xlarge, min 2, max 10, desired 3/,
    );
    expect(r.outputs['cluster-endpoint']).toBe('');
    // Still nothing there: a second plan wants the same creates.
    expect(planOf(await run(exampleSection())).every((p) => p.action === 'create')).toBe(true);
  });

  test('apply creates everything, sets outputs and writes a kubeconfig entry', async () => {
    const r = await run(exampleSection(), { apply: 'true', 'write-kubeconfig': 'kube/config' });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs['changed']).toBe('true');
    expect(planOf(r).every((p) => p.result === 'created')).toBe(true);
    expect(r.outputs['cluster-endpoint']).toMatch(/^https:\/\/.+eks\.amazonaws\.com/);
    expect(r.outputs['database-endpoint']).toMatch(/^ralph-prod-db\..+:5432$/);
    expect(r.outputs['cache-endpoint']).toMatch(/:6379$/);
    expect(r.outputs['backup-bucket']).toBe('ralph-backups');
    expect(r.summary).toContain('provision (aws): applied');
    expect(r.summary).toMatch(
      /aws:rds-instance\/ralph-prod-db \| create \| created \| postgres 15, db\.t3\.large, 100 GB gp3, Multi-AZ true, backups 30 days, encrypted true/,
    );

    const kube = yaml.load(readFileSync(join(r.workspace, 'kube/config'), 'utf8')) as Kubeconfig;
    expect(kube['current-context']).toMatch(/^arn:aws:eks:us-west-2:\d+:cluster\/ralph-production$/);
    expect(kube.clusters[0]?.cluster.server).toBe(r.outputs['cluster-endpoint']);
    expect(kube.users[0]?.user.exec).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: ['--region', 'us-west-2', 'eks', 'get-token', '--cluster-name', 'ralph-production', '--output', 'json'],
    });
    const report = JSON.parse(readFileSync(r.outputs['report'] ?? '', 'utf8'));
    expect(report.changed).toBe(true);
    expect(report.plan).toHaveLength(15);
  });

  test('a second apply changes nothing', async () => {
    const r = await run(exampleSection(), { apply: 'true' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs['changed']).toBe('false');
    expect(planOf(r).filter((p) => p.action !== 'no-change' || p.result !== 'unchanged')).toEqual([]);
    expect(r.summary).toContain('provision (aws): no changes');
    expect(r.summary).toContain('0 to create, 0 to update, 15 unchanged');
  });

  test("raising the node group's max to 12 updates only the node group", async () => {
    const section = setIn(exampleSection(), 'infrastructure.aws.cluster.node-group.max-size', 12);
    const r = await run(section, { apply: 'true' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs['changed']).toBe('true');
    expect(planOf(r).filter((p) => p.action !== 'no-change')).toEqual([
      {
        resource: 'aws:eks-nodegroup/ralph-production/workers',
        action: 'update',
        result: 'updated',
        drift: [{ field: 'max-size', desired: 12, actual: 10, mode: 'update' }],
      },
    ]);
    expect(r.summary).toContain('max-size: desired 12, actual 10');
    const ng = awsCli<{ nodegroup: { scalingConfig: unknown } }>(
      'eks',
      'describe-nodegroup',
      '--cluster-name',
      'ralph-production',
      '--nodegroup-name',
      'workers',
    );
    expect(ng.nodegroup.scalingConfig).toEqual({ minSize: 2, maxSize: 12, desiredSize: 3 });
  });

  test('replacement drift fails with one line, points at the spec, and changes nothing', async () => {
    const section = setIn(exampleSection(), 'infrastructure.aws.vpc.cidr', '10.9.0.0/16');
    setIn(section, 'infrastructure.aws.database.backup-retention-days', 7);
    const r = await run(section, { apply: 'true' });
    expect(r.exitCode).toBe(1);
    expect(r.outputs['changed']).toBe('false');
    const last = r.errors.at(-1) ?? '';
    expect(last).toContain(
      'replacement needed, nothing was changed: aws:vpc/ralph-production (cidr: desired 10.9.0.0/16, actual 10.0.0.0/16 [needs replacement]',
    );
    expect(last).not.toContain('\n');
    const cidrLine =
      readFileSync(join(r.workspace, '.github/ralph-deploy.yml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('10.9.0.0/16')) + 1;
    expect(r.annotations).toContainEqual(
      expect.objectContaining({
        level: 'error',
        file: '.github/ralph-deploy.yml',
        line: cidrLine,
        title: 'replacement needed',
      }),
    );
    expect(r.log).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    // backup retention is still 30: the apply never started.
    const again = await run(exampleSection());
    expect(planOf(again).find((p) => p.resource === 'aws:rds-instance/ralph-prod-db')?.action).toBe('no-change');
  });

  test('bad input: one line naming it, non-zero exit', async () => {
    const r = await run(exampleSection(), { provider: 'azure' });
    expect(r.exitCode).not.toBe(0);
    expect(r.errors.at(-1)).toMatch(/provider/);
    expect(r.errors.at(-1)).toContain('azure');
    const bad = setIn(exampleSection(), 'infrastructure.aws.cluster.node-group.min-size', 11);
    const r2 = await run(bad);
    expect(r2.exitCode).not.toBe(0);
    expect(r2.errors.at(-1)).toMatch(/min-size must not exceed max-size/);
  });

  test('the generated master password never appears in any log, output, summary or report', async () => {
    const s = awsCli<{ SecretString: string }>(
      'secretsmanager',
      'get-secret-value',
      '--secret-id',
      'ralph-deploy/production/ralph-prod-db/master',
    );
    const password = (JSON.parse(s.SecretString) as { password: string }).password;
    expect(password.length).toBe(32);
    expect(runs.length).toBeGreaterThan(5);
    for (const r of runs) expect(leaksOf(r, password)).toEqual([]);
    // The run that generated it registered it as a secret before using it.
    expect(runs.some((r) => r.masked.includes(password))).toBe(true);
  });
});
