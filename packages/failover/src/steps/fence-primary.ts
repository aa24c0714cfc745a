import { ActionError, errorMessage } from '@ralph-deploy/common';
import { probeHttp } from '@ralph-deploy/probe';
import { fenceDatabase, observeDatabaseFence, type DatabaseFenceState } from '../database-fence.js';
import type { FailoverStep, Observation, RunContext } from '../types.js';
import { answersHealthy, describeProbe } from './confirm-primary-down.js';

export interface FencePrimaryOptions {
  healthUrl?: string;
  probeTimeoutMs: number;
  /** The old primary's database; without it only the health refusal applies. */
  databaseUrl?: string;
  /** True once the replica is promoted: past that point the primary URL may well be the standby's. */
  isPromoted(ctx: RunContext): Promise<boolean>;
}

/**
 * Step 2: two primaries must never take writes. Refuse while the old primary still answers healthy
 * (before promotion, unless force), and make its database read-only when it is reachable. What could
 * not be fenced is reported as a warning rather than blocking: an unreachable database is the usual
 * reason for a failover.
 */
export function fencePrimary(o: FencePrimaryOptions): FailoverStep {
  let healthy: string | undefined;
  let db: DatabaseFenceState | undefined;

  const describeDb = (s: DatabaseFenceState | undefined): string => {
    if (!o.databaseUrl || !s) return 'database: not given (primary-database-url)';
    if (s.kind === 'unreachable') return `database: unreachable (${s.error})`;
    return `database ${s.database}: ${s.kind === 'fenced' ? 'read-only' : 'accepting writes'}, ${s.sessions} other session(s)`;
  };

  return {
    id: 'fence-primary',
    title: 'Fence the old primary',
    plan: 'refuse while the primary answers healthy; set its database read-only and end its other sessions',

    async observe(ctx): Promise<Observation> {
      healthy = undefined;
      const warnings: string[] = [];
      if (o.healthUrl && !(await o.isPromoted(ctx))) {
        const r = await probeHttp({
          url: o.healthUrl,
          timeoutMs: o.probeTimeoutMs,
          signal: ctx.signal,
          readBody: false,
        });
        if (answersHealthy(r)) healthy = describeProbe(r);
      }
      db = o.databaseUrl ? await observeDatabaseFence(o.databaseUrl, ctx.log) : undefined;
      if (!o.databaseUrl) warnings.push("the old database was not fenced: no 'primary-database-url' given");
      else if (db?.kind === 'unreachable')
        warnings.push(
          `the old database could not be fenced: unreachable from the runner (${db.kind === 'unreachable' ? db.error : ''})`,
        );
      const primary = healthy ? `primary ${healthy} (still healthy)` : 'primary not answering healthy';
      const done = healthy === undefined && db?.kind !== 'open';
      return { done, state: `${primary}; ${describeDb(db)}`, warnings };
    },

    async act(ctx): Promise<{ action: string; warnings: string[] }> {
      const warnings: string[] = [];
      const actions: string[] = [];
      if (healthy !== undefined) {
        if (!ctx.force) {
          throw new ActionError(
            `the old primary at ${o.healthUrl} still answers healthy (${healthy}): refusing to fail over (set 'force' to override)`,
          );
        }
        warnings.push(
          `force: the old primary still answers healthy (${healthy}); it is NOT fenced at the application level`,
        );
      }
      if (o.databaseUrl && db?.kind === 'open') {
        try {
          const r = await fenceDatabase(o.databaseUrl, ctx.log);
          actions.push(`database ${r.database} set read-only, ${r.terminated} session(s) terminated`);
        } catch (e: unknown) {
          if (!ctx.force)
            throw new ActionError(
              `the old database is reachable but could not be fenced: ${errorMessage(e)} (set 'force' to continue anyway)`,
            );
          warnings.push(`force: the old database is reachable but could not be fenced: ${errorMessage(e)}`);
        }
      }
      return { action: actions.length > 0 ? actions.join('; ') : 'nothing could be fenced', warnings };
    },

    async verify(ctx) {
      const s = o.databaseUrl ? await observeDatabaseFence(o.databaseUrl, ctx.log) : undefined;
      // With force, continuing past a healthy primary or an unfenceable database is the user's call.
      const done = ctx.force || s?.kind !== 'open';
      return { done, state: describeDb(s) };
    },
  };
}
