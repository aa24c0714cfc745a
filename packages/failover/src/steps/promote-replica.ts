import type { RDSClient } from '@aws-sdk/client-rds';
import { ActionError, sleep } from '@ralph-deploy/common';
import { describeDbInstance, promoteReadReplica, type DbInstanceState } from '../rds.js';
import type { FailoverStep, Observation, RunContext } from '../types.js';

export interface PromoteReplicaOptions {
  rds: RDSClient;
  instanceId: string;
  environment: string;
  timeoutMs: number;
  /** Poll interval while waiting for the instance to become available. */
  pollMs?: number;
}

/**
 * Whether the instance is a standalone primary. AWS clears ReadReplicaSourceDBInstanceIdentifier
 * once a promotion completes. Some emulators (moto 5) never clear it, so an instance this tool asked
 * RDS to promote (the promotedAt tag, written only after RDS accepted the request) that is
 * `available` again also counts: RDS reports `modifying` from the moment it accepts a promotion.
 */
export function isStandalone(db: DbInstanceState, promotedAt: string | undefined): boolean {
  if (db.status !== 'available') return false;
  return db.sourceId === undefined || promotedAt !== undefined;
}

function describe(db: DbInstanceState, promotedAt: string | undefined): string {
  if (db.sourceId === undefined) return `standalone primary (${db.status})`;
  if (promotedAt) return `promotion requested ${promotedAt} (${db.status}; RDS still lists source ${db.sourceId})`;
  return `read replica of ${db.sourceId} (${db.status})`;
}

/** Step 3: promote the read replica and wait until it is available as a standalone primary. */
export function promoteReplica(o: PromoteReplicaOptions): FailoverStep {
  const pollMs = o.pollMs ?? 10_000;
  const observe = async (ctx: RunContext): Promise<Observation> => {
    const db = await describeDbInstance(o.rds, o.instanceId, ctx.signal);
    const promotedAt = ctx.record.get('promotedAt');
    return { done: isStandalone(db, promotedAt), state: `${o.instanceId}: ${describe(db, promotedAt)}` };
  };

  return {
    id: 'promote-replica',
    title: 'Promote the read replica',
    plan: `promote RDS read replica ${o.instanceId} and wait until it is available`,
    observe,

    async act(ctx) {
      const db = await describeDbInstance(o.rds, o.instanceId, ctx.signal);
      const started = ctx.record.get('startedAt');
      // The recovery clock starts at the confirmed outage; kept before the point of no return.
      if (!started) {
        await ctx.record.set({
          startedAt: (ctx.outageObservedAt ?? ctx.startedAt).toISOString(),
          environment: o.environment,
        });
      }
      let action: string;
      // When RDS answers the request with a transitional status, only a cleared source proves the
      // promotion finished (describe calls may lag behind the request for a moment).
      let requireClearedSource = false;
      if (db.sourceId !== undefined && !ctx.record.get('promotedAt')) {
        const r = await promoteReadReplica(o.rds, o.instanceId, ctx.signal);
        await ctx.record.set({ promotedAt: ctx.now().toISOString() });
        requireClearedSource = r.status !== undefined && r.status !== 'available';
        action = r.alreadyPromoted
          ? 'RDS reports it is no longer a replica'
          : `promotion requested (${r.status ?? 'accepted'})`;
      } else {
        action = 'promotion already requested; waiting';
      }
      const deadline = Date.now() + o.timeoutMs;
      for (let polls = 1; ; polls++) {
        const now = await describeDbInstance(o.rds, o.instanceId, ctx.signal);
        const standalone = requireClearedSource
          ? now.status === 'available' && now.sourceId === undefined
          : isStandalone(now, ctx.record.get('promotedAt'));
        if (standalone) return { action: `${action}; available after ${polls} poll(s)` };
        if (['failed', 'incompatible-parameters', 'storage-full', 'deleting', 'stopped'].includes(now.status)) {
          throw new ActionError(`RDS instance ${o.instanceId} is ${now.status} while being promoted`);
        }
        if (Date.now() >= deadline) {
          throw new ActionError(
            `RDS instance ${o.instanceId} was not available within 'promote-timeout' (${now.status}); re-run to keep waiting`,
          );
        }
        await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), ctx.signal);
      }
    },
  };
}
