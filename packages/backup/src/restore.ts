import { mkdtemp, rename, rm, statfs, mkdir, readdir, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ActionError, redactUrl, type Logger } from '@ralph-deploy/common';
import { extractArchive } from './archive.js';
import { DataOffsetIndexer, writeDataOffsets } from './archive-offsets.js';
import { ensureDatabase, userObjectCount } from './database.js';
import { scratchDir, scratchPrefix } from './scratch.js';
import { fetchToFile, fetchVerified } from './fetch.js';
import type { Manifest } from './manifest.js';
import { describeExit, findTool, libpqConnection, requireToolMajor, startTool } from './pgtools.js';
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
  /** pg_restore alone. */
  pgRestoreMs: number;
  /** Everything: the recovery time this backup needs. */
  totalMs: number;
  targetCreated: boolean;
  pathsRestored?: { dir: string; files: number; bytes: number };
}

/**
 * Verify-then-restore: every object is fetched and its sha256 checked before the target is touched;
 * then pg_restore --jobs runs from the local file and data paths are moved into place.
 */
export async function runRestore(o: RestoreOptions): Promise<RestoreResult> {
  const t0 = Date.now();
  const { log, manifest } = o;
  log.mask(o.targetUrl);
  const [pgRestore, created] = await Promise.all([
    findTool('pg_restore', o.pgBinDir),
    o.freshTarget ? Promise.resolve(false) : ensureDatabase(o.targetUrl, log).then((r) => r === 'created'),
  ]);
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
    const dumpFile = join(work, 'database.dump');
    log.info(
      `fetching ${o.store.locationOf(dumpObject.key)} (${dumpObject.sizeBytes} bytes), checking its sha256 and decompressing it into ${scratch.dir}${scratch.inMemory ? ' (memory)' : ''}`,
    );
    const indexer = new DataOffsetIndexer();
    await fetchToFile(o.store, dumpObject, manifest.compression.algorithm, dumpFile, o.signal, indexer);
    await addDataOffsets(dumpFile, indexer, log);

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
    const fetchMs = Date.now() - t0;

    // A data-path conflict must stop the restore before the database is touched, not after.
    if (staging && o.restoreDir && !o.clean) await refuseConflicts(staging, o.restoreDir);
    const p0 = Date.now();
    await pgRestoreFile(pgRestore.path, dumpFile, o);
    const pgRestoreMs = Date.now() - p0;

    if (staging && o.restoreDir) await moveIntoPlace(staging, o.restoreDir, o.clean);
    return {
      fetchMs,
      pgRestoreMs,
      totalMs: Date.now() - t0,
      targetCreated: created,
      ...(pathsResult ? { pathsRestored: pathsResult } : {}),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The dump was streamed, so its table of contents says nowhere where each table's data starts;
 * writing that in lets every pg_restore worker seek straight to its table.
 */
async function addDataOffsets(file: string, indexer: DataOffsetIndexer, log: Logger): Promise<void> {
  const index = indexer.index();
  if (!index) {
    log.info(`pg_restore will search the archive for table data (${indexer.problem ?? 'no offsets found'})`);
    return;
  }
  const set = await writeDataOffsets(file, index);
  log.debug(`archive ${index.version}: data offsets written for ${set} of ${index.entries.length} entries`);
}

async function pgRestoreFile(pgRestore: string, file: string, o: RestoreOptions): Promise<void> {
  const { dbname, env } = libpqConnection(o.targetUrl);
  if (o.maintenanceWorkMem) {
    // Index and constraint builds are most of a restore after the data: let them sort in memory.
    env.PGOPTIONS = [process.env.PGOPTIONS, `-c maintenance_work_mem=${o.maintenanceWorkMem}`]
      .filter(Boolean)
      .join(' ');
  }
  const args = [`--dbname=${dbname}`, `--jobs=${o.jobs}`, '--exit-on-error', '--no-password'];
  if (!o.keepOwnership) args.push('--no-owner', '--no-privileges');
  if (o.clean) args.push('--clean', '--if-exists');
  args.push(file);
  o.log.info(`pg_restore --jobs=${o.jobs}${o.clean ? ' --clean' : ''} into ${redactUrl(o.targetUrl)}`);
  const proc = startTool(pgRestore, args, { env, stdout: 'ignore', secrets: [o.targetUrl] });
  const onAbort = () => proc.child.kill('SIGTERM');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await proc.exited;
    if (exit.code !== 0 || exit.spawnError) throw new ActionError(describeExit('pg_restore', exit));
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
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
