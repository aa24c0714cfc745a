import { errorMessage, type Logger } from '@ralph-deploy/common';
import { completenessProblem, listCatalog } from './catalog.js';
import { manifestKey } from './manifest.js';
import { planRetention, type RetentionDecision, type RetentionPolicy } from './retention.js';
import type { BackupStore, PendingUpload } from './storage/types.js';

export interface PruneResult {
  decisions: RetentionDecision[];
  /** Unfinished multipart uploads older than the grace period. */
  staleUploads: PendingUpload[];
  deletedBytes: number;
  dryRun: boolean;
}

/** Applies the retention policy; with dryRun it only reports what would go. */
export async function runPrune(
  store: BackupStore,
  policy: RetentionPolicy,
  o: { dryRun: boolean; log: Logger; now?: Date },
): Promise<PruneResult> {
  const now = o.now ?? new Date();
  const catalog = await listCatalog(store);
  const completeIds = new Set<string>();
  for (const e of catalog) {
    if (!e.hasManifest) continue;
    const m = await completenessProblem(store, e);
    if (typeof m === 'string') o.log.warning(`backup ${e.id} is not trusted as complete: ${m}`);
    else completeIds.add(e.id);
  }
  const decisions = planRetention(catalog, completeIds, policy, now);
  const staleUploads = (await store.pendingUploads()).filter(
    (u) => now.getTime() - u.started.getTime() > policy.incompleteGraceMs,
  );
  let deletedBytes = 0;
  for (const d of decisions.filter((x) => x.action === 'delete')) {
    const entry = catalog.find((e) => e.id === d.id);
    if (!entry) continue;
    o.log.info(`${o.dryRun ? 'would delete' : 'deleting'} ${d.id} (${d.reason})`);
    if (o.dryRun) continue;
    // Manifest first: an interrupted prune leaves an incomplete backup, never a broken "complete" one.
    const keys = entry.objects.map((x) => x.key);
    const manifest = manifestKey(d.id);
    if (keys.includes(manifest)) await store.remove([manifest]);
    await store.remove(keys.filter((k) => k !== manifest));
    deletedBytes += d.sizeBytes;
  }
  for (const u of staleUploads) {
    o.log.info(
      `${o.dryRun ? 'would abort' : 'aborting'} unfinished upload of ${u.key} started ${u.started.toISOString()}`,
    );
    if (!o.dryRun)
      await store
        .abortUpload(u)
        .catch((e: unknown) => o.log.warning(`could not abort upload ${u.uploadId}: ${errorMessage(e)}`));
  }
  return { decisions, staleUploads, deletedBytes, dryRun: o.dryRun };
}
