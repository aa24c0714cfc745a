import { Readable, pipeline, type Writable } from 'node:stream';
import { ActionError, errorMessage, redactUrl, type Logger } from '@ralph-deploy/common';
import { packPaths, planArchive } from './archive.js';
import { fileSuffix, type Compression } from './compression.js';
import { describeDatabase } from './database.js';
import { Digest } from './digest.js';
import { FramedCompressor } from './frames.js';
import { dumpInto } from './dump.js';
import { newBackupId } from './ids.js';
import { MANIFEST_VERSION, manifestKey, type Manifest, type ManifestObject } from './manifest.js';
import { findTool, requireToolMajor } from './pgtools.js';
import type { BackupStore } from './storage/types.js';

export interface BackupOptions {
  databaseUrl: string;
  store: BackupStore;
  compression: Compression;
  level: number;
  /** Application data to archive (absolute, or relative to `baseDir`). */
  paths?: string[];
  baseDir?: string;
  pgBinDir?: string;
  source?: Manifest['source'];
  log: Logger;
  signal?: AbortSignal;
  now?: () => Date;
  /** How big a frame grows before a data block starts a new one (frames.ts FRAME_BYTES). */
  frameBytes?: number;
}

export interface BackupResult {
  manifest: Manifest;
  /** Where the backup's objects are (its "directory"). */
  location: string;
  sizeBytes: number;
}

/**
 * pg_dump -> compression -> sha256 -> storage, then the data paths the same way, then the manifest:
 * a backup without its manifest is never complete. On failure the objects already written are
 * deleted (best effort) and nothing is left that looks complete.
 */
export async function runBackup(o: BackupOptions): Promise<BackupResult> {
  const now = o.now ?? (() => new Date());
  const { log, store } = o;
  log.mask(o.databaseUrl);

  // Independent look-ups, run together: at small sizes they are most of the run.
  const [pgDump, db] = await Promise.all([findTool('pg_dump', o.pgBinDir), describeDatabase(o.databaseUrl, log)]);
  await requireToolMajor(
    pgDump,
    'pg_dump',
    db.serverMajor,
    `the server ${redactUrl(o.databaseUrl).replace(/^.*@/, '')} (PostgreSQL ${db.serverVersion})`,
  );
  const plan = o.paths && o.paths.length > 0 ? await planArchive(o.paths, o.baseDir ?? process.cwd()) : [];

  const started = now();
  const id = newBackupId(started);
  const written: string[] = [];
  const objects: ManifestObject[] = [];
  log.info(
    `backup ${id}: database ${db.name} (${db.sizeBytes} bytes on disk, ${db.tables.length} tables) with ${pgDump.version} -> ${store.locationOf(`${id}/`)}`,
  );

  try {
    const dumpKey = `${id}/database.dump${fileSuffix(o.compression)}`;
    objects.push(
      await storeStream(store, dumpKey, 'database', o, db.sizeBytes, written, async (into) => {
        const dump = await dumpInto(pgDump.path, o.databaseUrl, into);
        return dump.kill;
      }),
    );

    if (plan.length > 0) {
      const dataKey = `${id}/data.tar${fileSuffix(o.compression)}`;
      const expected = plan.reduce((n, p) => n + p.bytes + (p.files + 1) * 1024, 0);
      objects.push(
        await storeStream(store, dataKey, 'paths', o, expected, written, (into) => {
          const tar = packPaths(plan, o.baseDir ?? process.cwd());
          // an error destroys `into` too, so the upload fails
          pipeline(tar, into, () => undefined);
          return Promise.resolve(() => tar.destroy());
        }),
      );
    }

    const completed = now();
    const manifest: Manifest = {
      manifestVersion: MANIFEST_VERSION,
      id,
      createdAt: started.toISOString(),
      completedAt: completed.toISOString(),
      durationMs: completed.getTime() - started.getTime(),
      database: {
        name: db.name,
        server: db.server,
        serverVersion: db.serverVersion,
        serverVersionNum: db.serverVersionNum,
        pgDumpVersion: pgDump.version,
        pgDumpMajor: pgDump.major,
        sizeBytes: db.sizeBytes,
        tables: db.tables,
      },
      format: 'custom',
      compression: { algorithm: o.compression, level: o.compression === 'none' ? 0 : o.level },
      objects,
      paths: plan,
      source: o.source ?? {},
    };
    const body = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
    written.push(manifestKey(id));
    await store.put(manifestKey(id), Readable.from([body]), {
      contentType: 'application/json',
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return {
      manifest,
      location: store.locationOf(`${id}/`),
      sizeBytes: objects.reduce((n, x) => n + x.sizeBytes, 0) + body.length,
    };
  } catch (e: unknown) {
    await store
      .remove(written)
      .catch((r: unknown) => log.warning(`could not delete the objects of failed backup ${id}: ${errorMessage(r)}`));
    if (e instanceof ActionError) throw new ActionError(`backup ${id} failed: ${e.message}`, { cause: e });
    throw new ActionError(`backup ${id} failed: ${errorMessage(e)}`, { cause: e });
  }
}

/**
 * `fill` writes the raw bytes into a FramedCompressor -> sha256 -> store.put, all with
 * backpressure; what `fill` returns stops its source when the upload ends first. The dump is
 * stored in frames a restore can fetch in any order (frames.ts); a tar of paths is not an archive
 * and comes out as one frame.
 */
async function storeStream(
  store: BackupStore,
  key: string,
  kind: ManifestObject['kind'],
  o: BackupOptions,
  expectedRaw: number,
  written: string[],
  fill: (into: Writable) => Promise<() => void>,
): Promise<ManifestObject> {
  const framed = new FramedCompressor(o.compression, o.level, o.frameBytes);
  const stored = new Digest();
  // The callback form returns the last stream for store.put to read; an error anywhere destroys
  // every stream with it, so put() fails too and commits nothing.
  const body = pipeline(framed, stored, () => undefined) as unknown as Readable;
  written.push(key);
  const stop = await fill(framed);
  try {
    await store.put(key, body, { expectedSize: expectedRaw, ...(o.signal ? { signal: o.signal } : {}) });
  } finally {
    stop();
  }
  const pieces = framed.frames.length > 1 ? ` in ${framed.frames.length} frames` : '';
  o.log.info(`${key}: ${framed.rawBytes} bytes -> ${stored.bytes} bytes stored${pieces}, sha256 ${stored.sha256()}`);
  return {
    key,
    kind,
    sizeBytes: stored.bytes,
    sha256: stored.sha256(),
    rawBytes: framed.rawBytes,
    ...(framed.frames.length > 1 ? { frames: framed.frames, blocks: [...framed.blocks] } : {}),
  };
}
