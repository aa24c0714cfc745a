import { open } from 'node:fs/promises';
import type { Logger } from '@ralph-deploy/common';
import {
  DataOffsetIndexer,
  indexOf,
  readArchiveHead,
  writeDataOffsets,
  type ArchiveIndex,
  type ArchiveToc,
} from './archive-offsets.js';
import type { Compression } from './compression.js';
import { fetchFrames, fetchToFile } from './fetch.js';
import { FrameFile } from './frame-file.js';
import type { ManifestFrame } from './frames.js';
import { GrowingFile } from './growing-file.js';
import type { ManifestObject } from './manifest.js';
import type { BackupStore } from './storage/types.js';
import type { Followable } from './table-data.js';

/** Where the data blocks of an archive on its way to the file start, as they reach it. */
export interface BlockFeed {
  readonly blockPositions: ReadonlyMap<number, number>;
  on(event: 'block', listener: (dumpId: number, at: number) => void): unknown;
  off(event: 'block', listener: (dumpId: number, at: number) => void): unknown;
}

/** A dump being fetched into a local file that a restore can follow. */
export interface ArchiveDownload {
  readonly path: string;
  readonly file: Followable;
  readonly blocks: BlockFeed;
  /** The archive's header and TOC once on file; undefined when they cannot be read (see problem). */
  readonly toc: Promise<ArchiveToc | undefined>;
  problem(): string | undefined;
  /** Settles once every byte is on file with its checksums verified (or with the failure). */
  readonly fetched: Promise<void>;
  /** The fetch has failed (set the moment it does, before `fetched` settles). */
  failed(): boolean;
  /** The data offsets for the TOC; undefined when not known. Only once fetched. */
  index(): ArchiveIndex | undefined;
  /** Keeps decoding `lead` bytes ahead of the readers (FrameFile.pace); undefined lifts that. */
  pace(lead: number | undefined): void;
}

/**
 * Starts fetching the dump `object` into `path`. A framed dump (frames.ts) is fetched `readers`
 * frames at a time (one in order, the others biggest first), with block positions from the
 * manifest; one stored as a single piece streams in order, indexed as it passes.
 */
export function startDownload(
  store: BackupStore,
  object: ManifestObject,
  compression: Compression,
  path: string,
  signal?: AbortSignal,
  readers?: number,
): ArchiveDownload {
  if (object.frames && object.frames.length > 1)
    return framed(object, path, (file) => fetchFrames(store, object, compression, file, signal, readers));
  const file = new GrowingFile(path);
  const indexer = new DataOffsetIndexer();
  return {
    path,
    file,
    blocks: indexer,
    toc: indexer.toc,
    problem: () => indexer.problem,
    fetched: fetchToFile(store, object, compression, file, signal, indexer),
    failed: () => file.destroyed,
    index: () => indexer.index(),
    pace: () => undefined, // one stream, in order: nothing to hold back
  };
}

function framed(object: ManifestObject, path: string, fetch: (file: FrameFile) => Promise<void>): ArchiveDownload {
  const frames = object.frames ?? [];
  const blocks = new Map(object.blocks ?? []);
  const file = new FrameFile(path, frames, [...blocks]);
  const fetched = fetch(file);
  let problem: string | undefined;
  let parsed: ArchiveToc | undefined;
  // The first frame is the header and TOC, whole (frames.ts).
  const head = (frames[0] as ManifestFrame).rawSize;
  const toc = file.waitFor(head).then(
    async () => {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(head);
        await fh.read(buf, 0, head, 0);
        return (parsed = readArchiveHead(buf));
      } catch (e: unknown) {
        problem = e instanceof Error ? e.message : String(e);
        return undefined;
      } finally {
        await fh.close();
      }
    },
    () => undefined, // the fetch failed: `fetched` says how
  );
  return {
    path,
    file,
    blocks: file,
    toc,
    problem: () => problem,
    fetched,
    failed: () => file.failed,
    index: () => (parsed ? indexOf(parsed, blocks) : undefined),
    pace: (lead) => file.pace(lead),
  };
}

/**
 * The dump was streamed, so its table of contents says nowhere where each table's data starts;
 * writing that in lets every pg_restore worker seek straight to its table.
 */
export async function addDataOffsets(download: ArchiveDownload, log: Logger): Promise<void> {
  await download.toc;
  const index = download.index();
  if (!index) {
    log.info(`pg_restore will search the archive for table data (${download.problem() ?? 'no offsets found'})`);
    return;
  }
  const set = await writeDataOffsets(download.path, index);
  log.debug(`archive ${index.version}: data offsets written for ${set} of ${index.entries.length} entries`);
}
