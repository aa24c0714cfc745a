import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ActionError } from '@ralph-deploy/common';
import { decompressor, type Compression } from './compression.js';
import { Digest } from './digest.js';
import type { ManifestObject } from './manifest.js';
import type { BackupStore } from './storage/types.js';

/**
 * Streams one stored object through sha256 -> decompression -> sha256 into `sink`, and fails
 * naming the object when either checksum or size differs from the manifest.
 */
export async function fetchVerified(
  store: BackupStore,
  object: ManifestObject,
  compression: Compression,
  sink: Writable | ((source: Readable) => Promise<unknown>),
  signal?: AbortSignal,
): Promise<void> {
  const stored = new Digest();
  const raw = new Digest();
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
    throw e;
  }
  if (stored.sha256() !== object.sha256 || stored.bytes !== object.sizeBytes) {
    throw new ActionError(
      `${object.key} failed its checksum: sha256 ${stored.sha256()} (${stored.bytes} bytes), the manifest says ${object.sha256} (${object.sizeBytes} bytes)`,
    );
  }
  if (raw.sha256() !== object.rawSha256 || raw.bytes !== object.rawBytes) {
    throw new ActionError(
      `${object.key} decompressed to different bytes than were backed up (sha256 ${raw.sha256()}, expected ${object.rawSha256})`,
    );
  }
}

async function storedDigest(
  store: BackupStore,
  key: string,
  signal?: AbortSignal,
): Promise<{ sha256: string; bytes: number }> {
  const d = new Digest();
  await pipeline(
    await store.get(key, signal),
    d,
    new Writable({ write: (_c, _e, cb) => cb() }),
    signal ? { signal } : {},
  );
  return { sha256: d.sha256(), bytes: d.bytes };
}

/** Decompresses an object into a local file, checksums verified; the file is removed on failure. */
export async function fetchToFile(
  store: BackupStore,
  object: ManifestObject,
  compression: Compression,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await fetchVerified(store, object, compression, createWriteStream(path, { highWaterMark: 1024 * 1024 }), signal);
  } catch (e: unknown) {
    await rm(path, { force: true });
    throw e;
  }
}
