import { describe, expect, it } from '@jest/globals';
import { ActionError, memoryLogger } from '@ralph-deploy/common';
import { memoryRecord, reconcile, type FailoverStep, type RunContext } from '../src/index.js';

/** A step over one boolean of a shared world, counting its act() calls. */
function flagStep(
  world: Record<string, boolean>,
  id: string,
  opts: { failAct?: () => boolean; verifyLies?: boolean } = {},
) {
  const calls = { act: 0 };
  const step: FailoverStep = {
    id,
    title: `Step ${id}`,
    plan: `set ${id}`,
    observe: async () => ({ done: world[id] === true, state: world[id] ? `${id} on` : `${id} off` }),
    act: async () => {
      calls.act++;
      if (opts.failAct?.()) throw new Error(`${id} broke`);
      if (!opts.verifyLies) world[id] = true;
      return { action: `turned ${id} on` };
    },
  };
  return { step, calls };
}

function context(overrides: Partial<RunContext> = {}): RunContext {
  return {
    log: memoryLogger(),
    signal: new AbortController().signal,
    dryRun: false,
    force: false,
    startedAt: new Date(),
    changed: false,
    record: memoryRecord(),
    timeline: [],
    now: () => new Date(),
    ...overrides,
  };
}

describe('reconcile', () => {
  it('acts only where the goal does not hold, and a second run is a no-op', async () => {
    const world: Record<string, boolean> = { a: true };
    const a = flagStep(world, 'a');
    const b = flagStep(world, 'b');
    const first = await reconcile([a.step, b.step], context());
    expect(first.error).toBeUndefined();
    expect(first.timeline.map((e) => [e.step, e.result, e.before])).toEqual([
      ['a', 'skipped', 'a on'],
      ['b', 'done', 'b off'],
    ]);
    expect(first.timeline[1]?.after).toBe('b on');
    const ctx = context();
    const second = await reconcile([a.step, b.step], ctx);
    expect(second.timeline.map((e) => e.result)).toEqual(['skipped', 'skipped']);
    expect(ctx.changed).toBe(false);
    expect([a.calls.act, b.calls.act]).toEqual([0, 1]);
  });

  it('stops at the first failure, and a re-run resumes there without repeating finished steps', async () => {
    const world: Record<string, boolean> = {};
    let broken = true;
    const steps = [flagStep(world, 'a'), flagStep(world, 'b', { failAct: () => broken }), flagStep(world, 'c')];
    const first = await reconcile(
      steps.map((s) => s.step),
      context(),
    );
    expect(first.error).toBeInstanceOf(ActionError);
    expect(first.error?.message).toBe('Step b: b broke');
    expect(first.timeline.map((e) => e.result)).toEqual(['done', 'failed', 'not-run']);
    broken = false;
    const second = await reconcile(
      steps.map((s) => s.step),
      context(),
    );
    expect(second.error).toBeUndefined();
    expect(second.timeline.map((e) => e.result)).toEqual(['skipped', 'done', 'done']);
    expect(steps.map((s) => s.calls.act)).toEqual([1, 2, 1]);
  });

  it('fails a step whose goal still does not hold after acting', async () => {
    const world: Record<string, boolean> = {};
    const liar = flagStep(world, 'x', { verifyLies: true });
    const out = await reconcile([liar.step], context());
    expect(out.error?.message).toBe('Step x: not verified after acting; state is x off');
    expect(out.timeline[0]?.result).toBe('failed');
  });

  it('only observes in a dry run and records the plan', async () => {
    const world: Record<string, boolean> = { a: true };
    const a = flagStep(world, 'a');
    const b = flagStep(world, 'b');
    const out = await reconcile([a.step, b.step], context({ dryRun: true }));
    expect(out.timeline.map((e) => [e.result, e.action])).toEqual([
      ['skipped', 'none: already done'],
      ['planned', 'would set b'],
    ]);
    expect(b.calls.act).toBe(0);
    expect(world.b).toBeUndefined();
  });

  it('reports warnings from observe and act', async () => {
    const log = memoryLogger();
    const step: FailoverStep = {
      id: 'w',
      title: 'Warn',
      plan: 'warn',
      observe: async () => ({ done: true, state: 'fine', warnings: ['could not fence the database'] }),
      act: async () => ({ action: 'never' }),
    };
    const out = await reconcile([step], context({ log }));
    expect(out.timeline[0]?.warnings).toEqual(['could not fence the database']);
    expect(log.lines).toContain('warning: Warn: could not fence the database');
  });
});
