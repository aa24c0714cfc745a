import { text } from 'node:stream/consumers';
import { ActionError, errorMessage, type Logger } from '@ralph-deploy/common';
import { backupIdTime, isBackupId } from './ids.js';
import { MANIFEST_NAME, manifestKey, parseManifest, type Manifest } from './manifest.js';
import type { BackupStore, StoredObject } from './storage/types.js';

export interface CatalogEntry {
  id: string;
  /** When the backup started, from its id. */
  startedAt: Date;
  objects: StoredObject[];
  /** A manifest object exists (not yet read or validated). */
  hasManifest: boolean;
  /** Latest modification among its objects: how long ago anything was written to it. */
  lastModified: Date;
  sizeBytes: number;
}

/**
 * Every backup under the destination, newest first. Only names this tool makes are considered;
 * anything else under the prefix is never touched.
 */
export async function listCatalog(store: BackupStore): Promise<CatalogEntry[]> {
  const byId = new Map<string, StoredObject[]>();
  for (const o of await store.list()) {
    const slash = o.key.indexOf('/');
    if (slash <= 0) continue;
    const id = o.key.slice(0, slash);
    if (!isBackupId(id)) continue;
    const list = byId.get(id) ?? [];
    list.push(o);
    byId.set(id, list);
  }
  return [...byId.entries()]
    .map(([id, objects]) => ({
      id,
      startedAt: backupIdTime(id) as Date,
      objects,
      hasManifest: objects.some((o) => o.key === manifestKey(id)),
      lastModified: new Date(Math.max(...objects.map((o) => o.modified.getTime()))),
      sizeBytes: objects.reduce((n, o) => n + o.size, 0),
    }))
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

export async function readManifest(store: BackupStore, id: string, signal?: AbortSignal): Promise<Manifest> {
  const body = await store.get(manifestKey(id), signal);
  return parseManifest(await text(body), id);
}

export interface CompleteBackup {
  entry: CatalogEntry;
  manifest: Manifest;
}

/**
 * The newest backup whose manifest exists, parses, and whose objects are all present with the
 * recorded sizes. Backups that fail this are reported and skipped, never trusted.
 */
export async function newestComplete(
  store: BackupStore,
  log: Logger,
  catalog?: CatalogEntry[],
): Promise<CompleteBackup | undefined> {
  for (const entry of catalog ?? (await listCatalog(store))) {
    if (!entry.hasManifest) continue;
    const problem = await completenessProblem(store, entry);
    if (typeof problem === 'string') {
      log.warning(`backup ${entry.id} is not usable: ${problem}`);
      continue;
    }
    return { entry, manifest: problem };
  }
  return undefined;
}

/** The manifest when `entry` is complete, else what is wrong with it. */
export async function completenessProblem(store: BackupStore, entry: CatalogEntry): Promise<Manifest | string> {
  let manifest: Manifest;
  try {
    manifest = await readManifest(store, entry.id);
  } catch (e: unknown) {
    return errorMessage(e);
  }
  for (const o of manifest.objects) {
    const found = entry.objects.find((x) => x.key === o.key);
    if (!found) return `${o.key} is missing`;
    if (found.size !== o.sizeBytes) return `${o.key} is ${found.size} bytes, the manifest says ${o.sizeBytes}`;
  }
  return manifest;
}

/** The backup named `id` (or the newest complete one), with its manifest; errors say why not. */
export async function resolveBackup(store: BackupStore, id: string | undefined, log: Logger): Promise<CompleteBackup> {
  const catalog = await listCatalog(store);
  if (!id) {
    const newest = await newestComplete(store, log, catalog);
    if (!newest) throw new ActionError(`no complete backup in ${store.location}`);
    return newest;
  }
  const entry = catalog.find((e) => e.id === id);
  if (!entry) throw new ActionError(`backup ${id} does not exist in ${store.location}`);
  if (!entry.hasManifest) throw new ActionError(`backup ${id} is incomplete: it has no ${MANIFEST_NAME}`);
  const problem = await completenessProblem(store, entry);
  if (typeof problem === 'string') throw new ActionError(`backup ${id} is not usable: ${problem}`);
  return { entry, manifest: problem };
}
