import { formatDuration, type Logger } from '@ralph-deploy/common';
import { newestComplete, type CompleteBackup } from './catalog.js';
import type { BackupStore } from './storage/types.js';

export interface CheckResult {
  ok: boolean;
  newest?: CompleteBackup;
  ageMs?: number;
  message: string;
}

/** The recovery-point check: the newest complete backup must be younger than `maxAgeMs`. */
export async function runCheck(
  store: BackupStore,
  maxAgeMs: number,
  o: { log: Logger; now?: Date },
): Promise<CheckResult> {
  const now = o.now ?? new Date();
  const newest = await newestComplete(store, o.log);
  if (!newest) return { ok: false, message: `no complete backup in ${store.location}` };
  const ageMs = Math.max(0, now.getTime() - Date.parse(newest.manifest.createdAt));
  const age = formatDuration(ageMs);
  const ok = ageMs <= maxAgeMs;
  return {
    ok,
    newest,
    ageMs,
    message: ok
      ? `newest complete backup ${newest.manifest.id} is ${age} old (max-age ${formatDuration(maxAgeMs)})`
      : `newest complete backup ${newest.manifest.id} is ${age} old, older than max-age ${formatDuration(maxAgeMs)}`,
  };
}
