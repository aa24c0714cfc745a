import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { KubeFake } from '../kube-fake/index.js';
import { imageOf, runDeployRollout, seedDeployment, startCluster } from './fixtures.js';

// Each case runs the bundled action in a child process against the fake, several times.
jest.setTimeout(300_000);

let fake: KubeFake;
beforeAll(async () => {
  fake = await startCluster();
});
afterAll(async () => {
  await fake.stop();
});

describe('deploy-rollout dry run', () => {
  it('validates with a server-side dry run, prints the plan and changes nothing', async () => {
    await seedDeployment(fake, 'dry', 'acme/web:v1');
    const before = fake.requests().length;
    const r = await runDeployRollout(fake, { deployment: 'dry', image: 'acme/web:v2', 'dry-run': true });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.result).toBe('succeeded');
    expect(r.summary).toContain('(dry run)');
    expect(r.summary).toContain('| Deployment/dry | app | acme/web:v1 | acme/web:v2 |');
    const writes = fake
      .requests()
      .slice(before)
      .filter((q) => q.method !== 'GET');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((q) => q.url.includes('dryRun=All'))).toBe(true);
    expect(imageOf(fake, 'dry')).toBe('acme/web:v1');
  });
});

describe('deploy-rollout rollback and status modes', () => {
  it('mode rollback restores the previous revision, and to-revision a chosen one', async () => {
    await seedDeployment(fake, 'undo', 'acme/web:v1');
    expect((await runDeployRollout(fake, { deployment: 'undo', image: 'acme/web:v2' })).outputs.result).toBe(
      'succeeded',
    );
    expect((await runDeployRollout(fake, { deployment: 'undo', image: 'acme/web:v3' })).outputs.result).toBe(
      'succeeded',
    );
    const r = await runDeployRollout(fake, { deployment: 'undo', mode: 'rollback' });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      result: 'rolled-back',
      'rolled-back': 'true',
      'previous-revision': '3',
      revision: '4',
    });
    expect(imageOf(fake, 'undo')).toBe('acme/web:v2');
    const toOne = await runDeployRollout(fake, { deployment: 'undo', mode: 'rollback', 'to-revision': 1 });
    expect(toOne.outputs.result).toBe('rolled-back');
    expect(imageOf(fake, 'undo')).toBe('acme/web:v1');
    const missing = await runDeployRollout(fake, { deployment: 'undo', mode: 'rollback', 'to-revision': 42 });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors.at(-1)).toMatch(/has no revision 42 \(it has: /);
  });

  it('mode status reports a complete rollout and a crash-looping one', async () => {
    await seedDeployment(fake, 'watched', 'acme/web:v1');
    const ok = await runDeployRollout(fake, { deployment: 'watched', mode: 'status' });
    expect(ok.exitCode).toBe(0);
    expect(ok.outputs.result).toBe('succeeded');
    await runDeployRollout(fake, { deployment: 'watched', image: 'acme/web:crashloop', 'auto-rollback': false });
    const bad = await runDeployRollout(fake, { deployment: 'watched', mode: 'status' });
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs.result).toBe('failed');
    expect(bad.errors.at(-1)).toMatch(/^CrashLoopBackOff: pod watched-/);
  });
});
