import { mkdtemp, rename, rm, statfs, mkdir, readdir, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ActionError, errorMessage, redactUrl, type Logger } from '@ralph-deploy/common';
import { withDatabase } from '@ralph-deploy/postgres';
import { extractArchive } from './archive.js';
import { dropDatabase, ensureDatabase, userObjectCount } from './database.js';
import { describePgRestore, runPgRestore } from './pg-restore.js';
import { restoreWhileFetching } from './streamed-restore.js';
import { scratchDir, scratchPrefix } from './scratch.js';
import { fetchVerified } from './fetch.js';
import { addDataOffsets, startDownload, type ArchiveDownload } from './download.js';
import type { Manifest, ManifestObject } from './manifest.js';
import { findTool, requireToolMajor, type ToolInfo } from './pgtools.js';
import type { BackupStore } from './storage/types.js';

export interface RestoreOptions {
  store: BackupStore;
  manifest: Manifest;
  targetUrl: string;
  jobs: number;
  /** Drop the archive's objects before recreating them; without it a non-empty target is refused. */
  clean: boolean;
  /** Where data paths go (each under its archived name); undefined: checksum them only. */
  restoreDir?: string;
  /** Local scratch space for the decompressed archive (pg_restore --jobs needs a seekable file). */
  workDir?: string;
  /** A memory filesystem (e.g. /dev/shm) preferred over workDir when the archive fits there. */
  memoryDir?: string;
  pgBinDir?: string;
  /** Keep the dump's owners and privileges (the roles must exist in the target). */
  keepOwnership?: boolean;
  /** The target was just created empty by the caller (verify's scratch database): skip the checks. */
  freshTarget?: boolean;
  /** maintenance_work_mem for pg_restore's sessions (e.g. "256MB"); undefined keeps the server's. */
  maintenanceWorkMem?: string;
  log: Logger;
  signal?: AbortSignal;
}

export interface RestoreResult {
  /** Fetch + checksum + decompression of every object. */
  fetchMs: number;
  /** The database restore (pg_restore, and COPY when overlapped). */
  pgRestoreMs: number;
  /** Whether the database restore ran while the archive arrived (so the two times overlap). */
  overlapped: boolean;
  /** Everything: the recovery time this backup needs. */
  totalMs: number;
  targetCreated: boolean;
  pathsRestored?: { dir: string; files: number; bytes: number };
}

/**
 * Restores a backup. Into an existing database, every object is fetched and its sha256 checked
 * before the database is touched, then pg_restore --jobs runs from the local file. Into a new one
 * (created here, or verify's scratch database) the restore follows the archive as it arrives, and
 * any failure, a checksum at the end included, drops the database again. Data paths are moved into
 * place last.
 */
export async function runRestore(o: RestoreOptions): Promise<RestoreResult> {
  const t0 = Date.now();
  const { log } = o;
  log.mask(o.targetUrl);
  const [tool, target] = await Promise.allSettled([
    findTool('pg_restore', o.pgBinDir),
    o.freshTarget ? Promise.resolve(false) : ensureDatabase(o.targetUrl, log).then((r) => r === 'created'),
  ]);
  const created = target.status === 'fulfilled' && target.value;
  try {
    if (tool.status === 'rejected') throw tool.reason;
    if (target.status === 'rejected') throw target.reason;
    return await restoreInto(o, tool.value, created, t0);
  } catch (e: unknown) {
    if (created) {
      // Nothing half-restored (or empty) is left behind in a database this restore created.
      const name = decodeURIComponent(new URL(o.targetUrl).pathname.slice(1));
      await dropDatabase(withDatabase(o.targetUrl, 'postgres'), name, log).then(
        () => log.info(`dropped the database ${name} this restore had created`),
        (d: unknown) => log.warning(`could not drop the database ${name} this restore created: ${errorMessage(d)}`),
      );
    }
    throw e;
  }
}

async function restoreInto(
  o: RestoreOptions,
  pgRestore: ToolInfo,
  created: boolean,
  t0: number,
): Promise<RestoreResult> {
  const { log, manifest } = o;
  await requireToolMajor(
    pgRestore,
    'pg_restore',
    manifest.database.pgDumpMajor,
    `the pg_dump that made backup ${manifest.id}`,
  );

  if (!o.clean && !created && !o.freshTarget) {
    const used = await userObjectCount(o.targetUrl, log);
    if (used.relations > 0 || used.schemas > 0) {
      throw new ActionError(
        `the target database ${redactUrl(o.targetUrl)} is not empty (${used.relations} relations, ${used.schemas} schemas): restore into an empty database or set clean: true to replace the backed-up objects`,
      );
    }
  }

  const dumpObject = manifest.objects.find((x) => x.kind === 'database');
  if (!dumpObject) throw new ActionError(`backup ${manifest.id} has no database object`);
  const scratch = await scratchDir(dumpObject.rawBytes, o.workDir ?? tmpdir(), o.memoryDir);
  const work = await mkdtemp(join(scratch.dir, scratchPrefix(manifest.id)));
  let staging: string | undefined;
  try {
    await requireFreeSpace(work, dumpObject.rawBytes, 'work-dir');

    // Data paths first: a conflict must stop the restore before the database is touched.
    let pathsResult: RestoreResult['pathsRestored'];
    const pathsObject = manifest.objects.find((x) => x.kind === 'paths');
    if (pathsObject && o.restoreDir) {
      await mkdir(o.restoreDir, { recursive: true });
      staging = await mkdtemp(join(o.restoreDir, `.ralph-restore-${manifest.id}-`));
      let extracted = { files: 0, bytes: 0 };
      await fetchVerified(
        o.store,
        pathsObject,
        manifest.compression.algorithm,
        async (s) => (extracted = await extractArchive(s, staging as string)),
        o.signal,
      );
      pathsResult = { dir: o.restoreDir, ...extracted };
      if (!o.clean) await refuseConflicts(staging, o.restoreDir);
    } else if (pathsObject) {
      log.info(`checking ${pathsObject.key} (data paths are not restored: no restore-dir)`);
      await fetchVerified(
        o.store,
        pathsObject,
        manifest.compression.algorithm,
        new Writable({ write: (_c, _e, cb) => cb() }),
        o.signal,
      );
    }

    // Into a database of our own (new, so droppable if anything fails) the restore runs while the
    // archive arrives; into one that existed, only after every checksum has been verified.
    const overlap = (created || o.freshTarget === true) && !o.clean;
    log.info(
      `fetching ${o.store.locationOf(dumpObject.key)} (${dumpObject.sizeBytes} bytes), checking its sha256 and decompressing it into ${scratch.dir}${scratch.inMemory ? ' (memory)' : ''}`,
    );
    const path = join(work, 'database.dump');
    const timing = overlap
      ? await restoreOverlapped(o, pgRestore.path, dumpObject, path, work, t0)
      : await restoreAfterFetch(o, pgRestore.path, dumpObject, path, t0);

    if (staging && o.restoreDir) await moveIntoPlace(staging, o.restoreDir, o.clean);
    return {
      ...timing,
      totalMs: Date.now() - t0,
      targetCreated: created,
      ...(pathsResult ? { pathsRestored: pathsResult } : {}),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

type Timing = Pick<RestoreResult, 'fetchMs' | 'pgRestoreMs' | 'overlapped'>;

/** Every checksum verified first, then pg_restore --jobs from the complete file. */
async function restoreAfterFetch(
  o: RestoreOptions,
  pgRestore: string,
  dump: ManifestObject,
  path: string,
  t0: number,
): Promise<Timing> {
  const download = startDownload(o.store, dump, o.manifest.compression.algorithm, path, o.signal);
  await download.fetched;
  await addDataOffsets(download, o.log);
  const fetchMs = Date.now() - t0;
  const p0 = Date.now();
  o.log.info(describePgRestore({ jobs: o.jobs, clean: o.clean, targetUrl: o.targetUrl }));
  await runPgRestore({
    pgRestore,
    file: path,
    ...sessionOptions(o),
    jobs: o.jobs,
    clean: o.clean,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { fetchMs, pgRestoreMs: Date.now() - p0, overlapped: false };
}

/** The restore follows the archive as it is fetched; a checksum failure at the end still fails it. */
async function restoreOverlapped(
  o: RestoreOptions,
  pgRestore: string,
  dump: ManifestObject,
  path: string,
  work: string,
  t0: number,
): Promise<Timing> {
  const stopFetch = new AbortController();
  const fetchSignal = o.signal ? AbortSignal.any([o.signal, stopFetch.signal]) : stopFetch.signal;
  let fetchMs = 0;
  // Paced frames are held until their tables load (FrameFile.pace): one reader per load, and one
  // that takes them in order, keep every load fed.
  const download: ArchiveDownload = startDownload(
    o.store,
    dump,
    o.manifest.compression.algorithm,
    path,
    fetchSignal,
    o.jobs + 1,
  );
  const fetched = download.fetched.then(() => void (fetchMs = Date.now() - t0));
  const p0 = Date.now();
  const restoring = restoreWhileFetching({
    pgRestore,
    ...sessionOptions(o),
    download,
    complete: () => addDataOffsets(download, o.log),
    workDir: work,
    jobs: o.jobs,
    ...(o.signal ? { signal: o.signal } : {}),
  }).catch((e: unknown) => {
    // A failure of the restore itself stops the fetch; one caused by the fetch failing does not
    // (the fetch is busy finding out which checksum failed).
    if (!download.failed()) stopFetch.abort(e);
    throw e;
  });
  const [f, r] = await Promise.allSettled([fetched, restoring]);
  if (f.status === 'rejected' && !stopFetch.signal.aborted) throw f.reason;
  if (r.status === 'rejected') throw r.reason;
  if (f.status === 'rejected') throw f.reason;
  return { fetchMs, pgRestoreMs: Date.now() - p0, overlapped: r.value.overlapped };
}

/** What every pg_restore run (and COPY session) of this restore shares. */
function sessionOptions(o: RestoreOptions) {
  return {
    targetUrl: o.targetUrl,
    ...(o.keepOwnership ? { keepOwnership: true } : {}),
    ...(o.maintenanceWorkMem ? { maintenanceWorkMem: o.maintenanceWorkMem } : {}),
    log: o.log,
  };
}

/** Moves each top-level entry of `staging` into `dir`; an existing entry is replaced only with clean. */
async function moveIntoPlace(staging: string, dir: string, clean: boolean): Promise<void> {
  for (const name of await readdir(staging)) {
    const to = join(dir, name);
    const exists = await lstat(to).then(
      () => true,
      () => false,
    );
    if (exists) {
      if (!clean) {
        // Merge: descend so existing siblings survive, refuse to overwrite files.
        const inner = join(staging, name);
        if ((await lstat(inner)).isDirectory() && (await lstat(to)).isDirectory()) {
          await moveIntoPlace(inner, to, clean);
          continue;
        }
        throw new ActionError(`restore-dir: ${to} already exists (set clean: true to replace it)`);
      }
      await rm(to, { recursive: true, force: true });
    }
    await rename(join(staging, name), to);
  }
}

/** Throws when moving `staging` into `dir` without clean would overwrite something. */
async function refuseConflicts(staging: string, dir: string): Promise<void> {
  for (const name of await readdir(staging)) {
    const to = join(dir, name);
    const existing = await lstat(to).catch(() => undefined);
    if (!existing) continue;
    const incoming = await lstat(join(staging, name));
    if (incoming.isDirectory() && existing.isDirectory()) await refuseConflicts(join(staging, name), to);
    else throw new ActionError(`restore-dir: ${to} already exists (set clean: true to replace it)`);
  }
}

async function requireFreeSpace(dir: string, bytes: number, input: string): Promise<void> {
  const s = await statfs(dir).catch(() => undefined);
  if (!s) return;
  const free = s.bavail * s.bsize;
  if (free < bytes) {
    throw new ActionError(`${input}: ${dir} has ${free} bytes free, the decompressed dump needs ${bytes}`);
  }
}
