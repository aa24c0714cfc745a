import { ActionError, errorMessage } from '@ralph-deploy/common';
import type { FailoverStep, Observation, RunContext, TimelineEntry } from './types.js';

export interface ReconcileOutcome {
  timeline: TimelineEntry[];
  /** The first failure, if any; later steps are then 'not-run'. */
  error?: ActionError;
}

/**
 * Runs the steps in order. Each step is observed first; a step whose goal already holds is skipped,
 * so a re-run after a partial failure resumes where it stopped and a finished failover is a no-op.
 * In a dry run every step is only observed and its plan recorded. The first failure stops the run.
 */
export async function reconcile(steps: FailoverStep[], ctx: RunContext): Promise<ReconcileOutcome> {
  const timeline = ctx.timeline;
  let error: ActionError | undefined;
  for (const step of steps) {
    const t0 = ctx.now();
    const entry: TimelineEntry = {
      step: step.id,
      title: step.title,
      result: 'not-run',
      before: '',
      action: '',
      warnings: [],
      startedAt: t0.toISOString(),
      durationMs: 0,
    };
    if (error) {
      entry.before = 'not observed';
      entry.action = 'not run: an earlier step failed';
      timeline.push(entry);
      continue;
    }
    timeline.push(entry);
    try {
      await ctx.log.group(`${step.id}: ${step.title}`, async () => {
        const before = await step.observe(ctx);
        entry.before = before.state;
        entry.warnings.push(...(before.warnings ?? []));
        ctx.log.info(`state: ${before.state}`);
        if (before.done) {
          entry.result = 'skipped';
          entry.action = 'none: already done';
          ctx.log.info('already done: skipped');
          return;
        }
        if (ctx.dryRun) {
          entry.result = 'planned';
          entry.action = `would ${step.plan}`;
          ctx.log.info(`dry run: would ${step.plan}`);
          return;
        }
        ctx.signal.throwIfAborted();
        const acted = await step.act(ctx, before);
        ctx.changed = true;
        entry.action = acted.action;
        entry.warnings.push(...(acted.warnings ?? []));
        const after: Observation = await (step.verify ?? step.observe).call(step, ctx);
        entry.after = after.state;
        if (!after.done) throw new ActionError(`${step.title}: not verified after acting; state is ${after.state}`);
        entry.result = 'done';
        ctx.log.info(`${acted.action}; verified: ${after.state}`);
      });
    } catch (e: unknown) {
      entry.result = 'failed';
      if (ctx.signal.aborted && ctx.signal.reason instanceof ActionError) error = ctx.signal.reason;
      else error = e instanceof ActionError ? e : new ActionError(`${step.title}: ${errorMessage(e)}`, { cause: e });
      const message = error.message.startsWith(step.title) ? error.message : `${step.title}: ${error.message}`;
      if (message !== error.message) error = new ActionError(message, { cause: error, annotations: error.annotations });
      entry.action = entry.action ? `${entry.action}; failed: ${errorMessage(e)}` : `failed: ${errorMessage(e)}`;
    } finally {
      for (const w of entry.warnings) ctx.log.warning(`${step.title}: ${w}`);
      entry.durationMs = Math.max(0, ctx.now().getTime() - t0.getTime());
    }
  }
  return error ? { timeline, error } : { timeline };
}
