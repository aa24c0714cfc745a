import { ActionError } from '@ralph-deploy/common';
import { probeHttp, waitUntilReady } from '@ralph-deploy/probe';
import type { RecordKey } from '../record.js';
import type { FailoverStep, Observation, RunContext } from '../types.js';
import { describeProbe } from './confirm-primary-down.js';

export interface SmokeStandbyOptions {
  healthUrl: string;
  timeoutMs: number;
  probeTimeoutMs: number;
}

/** Seconds from the recorded outage start to `end`. */
export function recoverySeconds(ctx: RunContext, end: Date): number {
  const start = ctx.record.get('startedAt');
  const startMs = start ? Date.parse(start) : (ctx.outageObservedAt ?? ctx.startedAt).getTime();
  return Math.max(0, Math.round((end.getTime() - startMs) / 1000));
}

/**
 * Step 6: the standby must answer healthy through the probe engine. The first time it does after a
 * failover, the recovery is recorded as complete (the end of the recovery-time measurement).
 */
export function smokeStandby(o: SmokeStandbyOptions): FailoverStep {
  const observe = async (ctx: RunContext): Promise<Observation> => {
    const r = await probeHttp({ url: o.healthUrl, timeoutMs: o.probeTimeoutMs, signal: ctx.signal, readBody: false });
    const completed = ctx.record.get('completedAt');
    const state = `standby ${describeProbe(r)}${completed ? `; recovery recorded complete ${completed}` : ''}`;
    return { done: r.ok && completed !== undefined, state };
  };
  return {
    id: 'smoke-standby',
    title: 'Smoke-test the standby',
    plan: `wait until ${o.healthUrl} answers healthy and record the recovery as complete`,
    observe,
    async act(ctx) {
      const r = await waitUntilReady({
        urls: [o.healthUrl],
        timeoutMs: o.timeoutMs,
        signal: ctx.signal,
        log: ctx.log,
        request: { timeoutMs: o.probeTimeoutMs, readBody: false },
      });
      if (!r.ready)
        throw new ActionError(
          `the standby at ${o.healthUrl} did not answer healthy within 'smoke-timeout': ${r.lastError ?? 'no answer'}`,
        );
      const end = ctx.now();
      const update: Partial<Record<RecordKey, string>> = {};
      if (!ctx.record.get('startedAt')) update.startedAt = (ctx.outageObservedAt ?? ctx.startedAt).toISOString();
      if (!ctx.record.get('completedAt')) {
        update.completedAt = end.toISOString();
        update.recoverySeconds = String(recoverySeconds(ctx, end));
      }
      await ctx.record.set(update);
      return {
        action: `standby healthy after ${r.attempts} probe(s); recovery recorded at ${ctx.record.get('completedAt') ?? end.toISOString()}`,
      };
    },
  };
}
