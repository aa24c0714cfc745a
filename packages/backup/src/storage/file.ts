import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import type { BackupStore, ByteRange, PendingUpload, PutOptions, StoredObject } from './types.js';

export const PARTIAL_SUFFIX = '.partial';

/** A directory on a local or mounted filesystem. */
export class FileStore implements BackupStore {
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = pathToFileURL(root).href;
  }

  /** `key` may end in `/` to name a backup's directory. */
  locationOf(key: string): string {
    const dir = key.endsWith('/');
    return pathToFileURL(this.pathOf(key.replace(/\/+$/, ''))).href + (dir ? '/' : '');
  }

  private pathOf(key: string): string {
    const parts = key.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new Error(`invalid object key "${key}"`);
    return join(this.root, ...parts);
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<void> {
    const path = this.pathOf(key);
    const partial = path + PARTIAL_SUFFIX;
    await mkdir(dirname(path), { recursive: true });
    try {
      // flush: fsync before close, so the rename below never publishes a file the kernel may lose.
      await pipeline(
        body,
        createWriteStream(partial, { flush: true }),
        options.signal ? { signal: options.signal } : {},
      );
      await rename(partial, path);
      await syncDirectory(dirname(path));
    } catch (e: unknown) {
      await unlink(partial).catch(() => undefined);
      throw e;
    }
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  async get(key: string, _signal?: AbortSignal, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    await stat(path); // a missing object fails here, with ENOENT, not later mid-stream
    if (range && range.end <= range.start) return Readable.from([]);
    return createReadStream(path, {
      highWaterMark: 256 * 1024,
      ...(range ? { start: range.start, end: range.end - 1 } : {}),
    });
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size, modified: s.mtime } : undefined;
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list(): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let top: string[];
    try {
      top = await readdir(this.root);
    } catch (e: unknown) {
      if (isNotFound(e)) return [];
      throw e;
    }
    for (const name of top.sort()) {
      const dir = join(this.root, name);
      const s = await stat(dir).catch(() => undefined);
      if (!s) continue;
      if (s.isFile()) {
        out.push({ key: name, size: s.size, modified: s.mtime });
        continue;
      }
      if (!s.isDirectory()) continue;
      for (const file of (await readdir(dir)).sort()) {
        const fs = await stat(join(dir, file)).catch(() => undefined);
        if (fs?.isFile()) out.push({ key: `${name}/${file}`, size: fs.size, modified: fs.mtime });
      }
    }
    return out;
  }

  async remove(keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const path = this.pathOf(key);
      await rm(path, { force: true });
      dirs.add(dirname(path));
    }
    // A backup's directory goes with its last object; a non-empty one stays (rmdir refuses).
    for (const dir of dirs) {
      if (dir !== this.root && dir.startsWith(this.root + sep)) {
        await rmdir(dir).catch(() => undefined);
      }
    }
  }

  async pendingUploads(): Promise<PendingUpload[]> {
    return [];
  }

  async abortUpload(): Promise<void> {
    /* files have no pending uploads: `.partial` files are listed as objects */
  }

  close(): void {
    /* nothing to release */
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === 'ENOENT';
}
