import type { ArchivedPath } from './archive.js';
import type { Compression } from './compression.js';
import { framesProblem, type ManifestFrame } from './frames.js';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_VERSION = 1;

export interface ManifestObject {
  /** Key relative to the destination root. */
  key: string;
  kind: 'database' | 'paths';
  /** Bytes as stored (compressed) and their sha256. */
  sizeBytes: number;
  sha256: string;
  /** Bytes before compression (checked again after decompression). */
  rawBytes: number;
  /**
   * sha256 before compression: written by the first releases, checked when present. Newer backups
   * rely on the compressor's own content check instead (zstd's frame checksum, gzip's CRC-32; with
   * no compression the stored sha256 already covers the bytes), which costs a fraction of a second
   * sha256 pass per GiB.
   */
  rawSha256?: string;
  /**
   * The independently compressed pieces the object is stored as (see frames.ts), each with its own
   * sha256; absent for objects stored as one piece.
   */
  frames?: ManifestFrame[];
  /** The database dump's data blocks: [dumpId, position in the decompressed archive]. */
  blocks?: Array<[number, number]>;
}

export interface TableEstimate {
  schema: string;
  name: string;
  /** From pg_stat_user_tables.n_live_tup or pg_class.reltuples; null when PostgreSQL has no estimate yet. */
  rows: number | null;
}

export interface Manifest {
  manifestVersion: number;
  id: string;
  /** When the backup started (the dump's snapshot is taken right after). */
  createdAt: string;
  completedAt: string;
  durationMs: number;
  database: {
    name: string;
    /** host:port, no credentials. */
    server: string;
    serverVersion: string;
    serverVersionNum: number;
    pgDumpVersion: string;
    pgDumpMajor: number;
    sizeBytes: number;
    tables: TableEstimate[];
  };
  /** pg_dump archive format: custom (pg_restore --jobs works from a file). */
  format: 'custom';
  compression: { algorithm: Compression; level: number };
  objects: ManifestObject[];
  paths: ArchivedPath[];
  source: {
    repository?: string;
    commit?: string;
    ref?: string;
    runId?: string;
    runAttempt?: string;
    runUrl?: string;
    workflow?: string;
    actor?: string;
  };
}

/** Parses and checks a manifest; throws a plain Error saying what is wrong. */
export function parseManifest(text: string, expectedId: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e: unknown) {
    throw new Error(`manifest is not JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const o = m as Partial<Manifest>;
  if (typeof o !== 'object' || o === null) throw new Error('manifest is not an object');
  if (o.manifestVersion !== MANIFEST_VERSION)
    throw new Error(`unsupported manifestVersion ${String(o.manifestVersion)}`);
  if (o.id !== expectedId) throw new Error(`manifest id ${String(o.id)} does not match its location ${expectedId}`);
  if (typeof o.createdAt !== 'string' || Number.isNaN(Date.parse(o.createdAt)))
    throw new Error('manifest has no valid createdAt');
  if (!o.database || typeof o.database.pgDumpMajor !== 'number' || !Array.isArray(o.database.tables))
    throw new Error('manifest has no database section');
  if (o.format !== 'custom') throw new Error(`unsupported archive format ${String(o.format)}`);
  if (!o.compression || !['zstd', 'gzip', 'none'].includes(o.compression.algorithm))
    throw new Error('manifest has no valid compression');
  if (!Array.isArray(o.objects) || !o.objects.some((x) => x.kind === 'database'))
    throw new Error('manifest lists no database object');
  for (const x of o.objects) {
    if (
      typeof x.key !== 'string' ||
      !x.key.startsWith(`${expectedId}/`) ||
      !/^[0-9a-f]{64}$/.test(x.sha256) ||
      typeof x.sizeBytes !== 'number'
    ) {
      throw new Error(`manifest object ${JSON.stringify(x.key)} is malformed`);
    }
    const problem = x.frames === undefined ? undefined : framesProblem(x.frames, x.sizeBytes, x.rawBytes);
    if (problem) throw new Error(`manifest object ${JSON.stringify(x.key)} has malformed frames: ${problem}`);
    if (
      x.blocks !== undefined &&
      (!Array.isArray(x.blocks) ||
        !x.blocks.every(
          (b) =>
            Array.isArray(b) &&
            b.length === 2 &&
            b.every((n) => Number.isSafeInteger(n) && n >= 0) &&
            (b[1] as number) < x.rawBytes,
        ))
    ) {
      throw new Error(`manifest object ${JSON.stringify(x.key)} has malformed block positions`);
    }
  }
  return { ...o, paths: Array.isArray(o.paths) ? o.paths : [] } as Manifest;
}

export function manifestKey(id: string): string {
  return `${id}/${MANIFEST_NAME}`;
}
