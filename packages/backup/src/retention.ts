import type { CatalogEntry } from './catalog.js';

export interface RetentionPolicy {
  /** Complete backups younger than this are kept. */
  retentionDays: number;
  /** The newest N complete backups are kept whatever their age. */
  keepLast: number;
  /** Incomplete backups untouched for longer than this are debris (younger ones may be running). */
  incompleteGraceMs: number;
}

export interface RetentionDecision {
  id: string;
  startedAt: Date;
  sizeBytes: number;
  complete: boolean;
  action: 'keep' | 'delete';
  reason: string;
}

/**
 * Decides what prune keeps. A complete backup goes only when it is older than retention-days, not
 * among the keep-last newest, and not the newest complete backup. Incomplete backups never count
 * as backups; they go only once older than the grace period (they might still be running).
 * `completeIds` are the backups whose manifest was read and checked.
 */
export function planRetention(
  entries: CatalogEntry[],
  completeIds: Set<string>,
  policy: RetentionPolicy,
  now: Date,
): RetentionDecision[] {
  const cutoff = now.getTime() - policy.retentionDays * 86_400_000;
  const complete = entries.filter((e) => completeIds.has(e.id)).sort((a, b) => (a.id < b.id ? 1 : -1));
  const rank = new Map(complete.map((e, i) => [e.id, i]));
  const keepLast = Math.max(1, policy.keepLast);
  return entries.map((e) => {
    const base = { id: e.id, startedAt: e.startedAt, sizeBytes: e.sizeBytes };
    const r = rank.get(e.id);
    if (r === undefined) {
      const idle = now.getTime() - e.lastModified.getTime();
      return idle > policy.incompleteGraceMs
        ? {
            ...base,
            complete: false,
            action: 'delete',
            reason: `incomplete (no valid manifest), untouched for ${Math.floor(idle / 3_600_000)}h`,
          }
        : { ...base, complete: false, action: 'keep', reason: 'incomplete but recent: may still be running' };
    }
    if (r === 0) return { ...base, complete: true, action: 'keep', reason: 'newest complete backup' };
    if (r < keepLast)
      return { ...base, complete: true, action: 'keep', reason: `among the ${keepLast} newest (keep-last)` };
    if (e.startedAt.getTime() >= cutoff)
      return { ...base, complete: true, action: 'keep', reason: `younger than ${policy.retentionDays} days` };
    return { ...base, complete: true, action: 'delete', reason: `older than ${policy.retentionDays} days` };
  });
}
