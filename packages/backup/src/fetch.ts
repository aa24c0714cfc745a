import { rm } from 'node:fs/promises';
import { Writable, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ActionError, errorMessage } from '@ralph-deploy/common';
import { decompressor, isDecompressionError, type Compression } from './compression.js';
import { Digest } from './digest.js';
import type { ManifestObject } from './manifest.js';
import type { FrameFile } from './frame-file.js';
import { FrameDecodeError, FrameDecoder, type FrameResult } from './frame-decoder.js';
import type { ManifestFrame } from './frames.js';
import type { BackupStore, ByteRange } from './storage/types.js';
import type { GrowingFile } from './growing-file.js';

/**
 * Streams one stored object through sha256 -> decompression (which checks the content against the
 * compressor's own checksum) -> size count into `sink`, and fails naming the object when its
 * checksum or either size differs from the manifest. A manifest with a raw sha256 (older backups)
 * has that checked too.
 */
export async function fetchVerified(
  store: BackupStore,
  object: ManifestObject,
  compression: Compression,
  sink: Writable | ((source: Readable) => Promise<unknown>),
  signal?: AbortSignal,
): Promise<void> {
  const stored = new Digest();
  const raw = new Digest({ hash: object.rawSha256 !== undefined });
  const body = await store.get(object.key, signal);
  const opts = signal ? { signal } : {};
  try {
    if (sink instanceof Writable) {
      await pipeline(body, stored, decompressor(compression), raw, sink, opts);
    } else {
      await Promise.all([pipeline(body, stored, decompressor(compression), raw, opts), sink(raw)]);
    }
  } catch (e: unknown) {
    body.destroy();
    // A corrupted object usually breaks decompression before the checksum is known: hash the
    // stored bytes alone so the error says which object is bad, not just that zstd choked.
    if (signal?.aborted) throw e;
    const actual = await storedDigest(store, object.key, signal).catch(() => undefined);
    if (actual && (actual.sha256 !== object.sha256 || actual.bytes !== object.sizeBytes)) {
      throw new ActionError(
        `${object.key} failed its checksum: sha256 ${actual.sha256} (${actual.bytes} bytes), the manifest says ${object.sha256} (${object.sizeBytes} bytes)`,
        { cause: e },
      );
    }
    // The stored bytes are the ones backed up, yet they do not decompress: zstd's frame checksum or
    // gzip's CRC-32 caught content that was damaged before it was compressed and checksummed.
    if (isDecompressionError((e as { code?: unknown }).code)) {
      throw new ActionError(`${object.key} does not decompress to what was backed up: ${errorMessage(e)}`, {
        cause: e,
      });
    }
    throw e;
  }
  if (stored.sha256() !== object.sha256 || stored.bytes !== object.sizeBytes) {
    throw new ActionError(
      `${object.key} failed its checksum: sha256 ${stored.sha256()} (${stored.bytes} bytes), the manifest says ${object.sha256} (${object.sizeBytes} bytes)`,
    );
  }
  if (raw.bytes !== object.rawBytes) {
    throw new ActionError(
      `${object.key} decompressed to ${raw.bytes} bytes, the manifest says ${object.rawBytes} were backed up`,
    );
  }
  if (object.rawSha256 !== undefined && raw.sha256() !== object.rawSha256) {
    throw new ActionError(
      `${object.key} decompressed to different bytes than were backed up (sha256 ${raw.sha256()}, expected ${object.rawSha256})`,
    );
  }
}

async function storedDigest(
  store: BackupStore,
  key: string,
  signal?: AbortSignal,
  range?: ByteRange,
): Promise<{ sha256: string; bytes: number }> {
  const d = new Digest();
  await pipeline(
    await store.get(key, signal, range),
    d,
    new Writable({ write: (_c, _e, cb) => cb() }),
    signal ? { signal } : {},
  );
  return { sha256: d.sha256(), bytes: d.bytes };
}

/**
 * Decompresses an object into a local file (which others may follow as it grows), checksums
 * verified; the file is removed on failure.
 * `through` sees the decompressed bytes on their way to the file.
 */
export async function fetchToFile(
  store: BackupStore,
  object: ManifestObject,
  compression: Compression,
  file: GrowingFile,
  signal?: AbortSignal,
  through?: Transform,
): Promise<void> {
  try {
    const sink = through ? (s: Readable) => pipeline(s, through, file, signal ? { signal } : {}) : file;
    await fetchVerified(store, object, compression, sink, signal);
  } catch (e: unknown) {
    file.destroy();
    await rm(file.path, { force: true });
    throw e;
  }
}

/**
 * Fetches a framed object (frames.ts) into `file`, `readers` frames at a time: one reader takes
 * them in order (the header and TOC come first, then the tables as pg_dump wrote them), the others
 * take the biggest left, so the longest table load can start at once. The frames are decompressed on a
 * thread of their own (frame-decoder.ts). Each frame's sha256 and sizes are checked against the
 * manifest; the manifest's frames cover the object exactly (parseManifest). On any failure the
 * other reader stops and readers of the file are told.
 */
export async function fetchFrames(
  store: BackupStore,
  object: ManifestObject,
  compression: Compression,
  file: FrameFile,
  signal?: AbortSignal,
  readers = 2,
): Promise<void> {
  const frames = object.frames ?? [];
  const left = frames.map((_f, i) => i);
  const inOrder = () => left.shift();
  const biggest = () => {
    const size = (k: number) => (frames[left[k] as number] as ManifestFrame).rawSize;
    let best = 0;
    for (let k = 1; k < left.length; k++) if (size(k) > size(best)) best = k;
    return left.splice(best, 1)[0];
  };
  const stop = new AbortController();
  const stopped = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  await file.create();
  const decoder = new FrameDecoder(compression, file.path);
  // Frames read off the local disk follow FrameFile.pace. Not ones fed from a download: a response
  // held for minutes would be cut off by the other end.
  const local = store.localPath?.(object.key);
  const onAllow = (i: number, upTo: number) => decoder.allow(i, upTo);
  if (local) file.on('allow', onAllow);
  const worker = async (take: () => number | undefined) => {
    for (let i = take(); i !== undefined; i = take()) await fetchFrame(store, object, decoder, file, i, stopped, local);
  };
  let first: unknown;
  const takers = [inOrder, ...Array.from({ length: Math.max(1, readers - 1) }, () => biggest)];
  const running = takers.map((take) =>
    worker(take).catch((e: unknown) => {
      if (first === undefined) {
        // the other reader stops, and readers of the file hear of it now, not once both are done
        first = e;
        stop.abort(e);
        file.fail(e instanceof Error ? e : new Error(String(e)));
      }
      throw e;
    }),
  );
  await Promise.allSettled(running);
  file.off('allow', onAllow);
  await decoder.close();
  if (first !== undefined) throw first;
  file.finish();
}

async function fetchFrame(
  store: BackupStore,
  object: ManifestObject,
  decoder: FrameDecoder,
  file: FrameFile,
  i: number,
  signal: AbortSignal,
  /** The object on the local disk, for the decoder to read itself; else it is downloaded. */
  local: string | undefined,
): Promise<void> {
  const frame = (object.frames as ManifestFrame[])[i] as ManifestFrame;
  const range = { start: frame.offset, end: frame.offset + frame.size };
  const which = `${object.key} (frame ${i + 1} of ${(object.frames as ManifestFrame[]).length}, bytes ${range.start}-${range.end - 1})`;
  const job = {
    i,
    rawOffset: frame.rawOffset,
    rawSize: frame.rawSize,
    upTo: local ? file.allowance(i) : Infinity,
    ...(local ? { source: { path: local, ...range } } : {}),
  };

  let result: FrameResult;
  try {
    const body = local ? undefined : await store.get(object.key, signal, range);
    result = await decoder.decode(job, (bytes) => file.wrote(i, bytes), body, signal);
  } catch (e: unknown) {
    if (signal.aborted) throw e;
    if (e instanceof FrameDecodeError && e.overflow)
      throw new ActionError(`${which} decompresses to more than the ${frame.rawSize} bytes backed up`);
    const actual = await storedDigest(store, object.key, signal, range).catch(() => undefined);
    if (actual && (actual.sha256 !== frame.sha256 || actual.bytes !== frame.size)) {
      throw new ActionError(
        `${which} failed its checksum: sha256 ${actual.sha256} (${actual.bytes} bytes), the manifest says ${frame.sha256} (${frame.size} bytes)`,
        { cause: e },
      );
    }
    if (e instanceof FrameDecodeError && isDecompressionError(e.code))
      throw new ActionError(`${which} does not decompress to what was backed up: ${e.message}`, { cause: e });
    throw e;
  }
  if (result.sha256 !== frame.sha256 || result.storedBytes !== frame.size) {
    throw new ActionError(
      `${which} failed its checksum: sha256 ${result.sha256} (${result.storedBytes} bytes), the manifest says ${frame.sha256} (${frame.size} bytes)`,
    );
  }
  if (result.rawBytes !== frame.rawSize) {
    throw new ActionError(`${which} decompressed to ${result.rawBytes} bytes, the manifest says ${frame.rawSize}`);
  }
}
