import { ActionError, sleep } from '@ralph-deploy/common';
import { probeHttp, type ProbeResult } from '@ralph-deploy/probe';
import type { FailoverStep, Observation, RunContext } from '../types.js';

export interface ConfirmPrimaryDownOptions {
  healthUrl?: string;
  environment: string;
  /** A confirmation older than this that never led to a promotion is stale (a past, abandoned attempt). */
  staleAfterMs: number;
  /** Consecutive failed probes needed. */
  threshold: number;
  intervalMs: number;
  probeTimeoutMs: number;
}

export function describeProbe(r: ProbeResult): string {
  return r.status !== undefined ? `answered ${r.status}` : (r.error ?? 'no answer');
}

/**
 * Whether the primary counts as up. Like the guide's `curl -f`, any answer below 400 (a redirect
 * included) means something is serving: only no answer, a timeout or an error status counts as down,
 * so a misconfigured URL can never trigger a failover by itself.
 */
export function answersHealthy(r: ProbeResult): boolean {
  return r.status !== undefined && r.status < 400;
}

/**
 * Step 1: the primary must fail `threshold` probes in a row, so a blip never triggers a failover.
 * The confirmation is recorded (it starts the recovery clock), so a re-run after a later step failed
 * does not probe again; the fence step still refuses if the primary has come back meanwhile.
 * Skipped with `force`.
 */
export function confirmPrimaryDown(o: ConfirmPrimaryDownOptions): FailoverStep {
  let firstProbe: ProbeResult | undefined;
  let confirmed = false;
  const probe = (ctx: RunContext) =>
    probeHttp({ url: o.healthUrl ?? '', timeoutMs: o.probeTimeoutMs, signal: ctx.signal, readBody: false });

  return {
    id: 'confirm-primary-down',
    title: 'Confirm the primary is down',
    plan: `probe ${o.healthUrl ?? '(no URL)'} until ${o.threshold} consecutive failures (every ${o.intervalMs} ms)`,

    async observe(ctx): Promise<Observation> {
      const started = ctx.record.get('startedAt');
      const stale =
        started !== undefined &&
        !ctx.record.get('promotedAt') &&
        ctx.now().getTime() - Date.parse(started) > o.staleAfterMs;
      if (started && !stale) return { done: true, state: `outage confirmed by an earlier run at ${started}` };
      if (ctx.force)
        return { done: true, state: 'not checked: force', warnings: ['force: the primary was not confirmed down'] };
      if (!o.healthUrl) throw new ActionError("Input 'primary-health-url' is required unless 'force' is true");
      const at = ctx.now();
      firstProbe = await probe(ctx);
      if (!answersHealthy(firstProbe)) ctx.outageObservedAt ??= at;
      return { done: false, state: `primary ${describeProbe(firstProbe)}` };
    },

    async act(ctx) {
      let failures = 0;
      for (let attempt = 1; attempt <= o.threshold; attempt++) {
        const at = ctx.now();
        const r = attempt === 1 && firstProbe ? firstProbe : await probe(ctx);
        if (answersHealthy(r)) {
          throw new ActionError(
            `the primary at ${o.healthUrl} answered healthy (${r.status}) on probe ${attempt} of ${o.threshold}: not failing over (set 'force' to override)`,
          );
        }
        ctx.outageObservedAt ??= at;
        failures++;
        ctx.log.info(`probe ${attempt}/${o.threshold}: ${describeProbe(r)}`);
        if (attempt < o.threshold) await sleep(o.intervalMs, ctx.signal);
      }
      confirmed = true;
      await ctx.record.set({
        startedAt: (ctx.outageObservedAt ?? ctx.now()).toISOString(),
        environment: o.environment,
      });
      return { action: `${failures} consecutive probes failed: primary confirmed down` };
    },

    async verify() {
      return { done: confirmed, state: confirmed ? 'primary confirmed down' : 'not confirmed' };
    },
  };
}
