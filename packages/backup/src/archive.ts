import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink, realpath, rm, symlink, utimes, chmod } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { ActionError } from '@ralph-deploy/common';

/** One source path and the name it has inside the archive. */
export interface ArchivedPath {
  /** As given (absolute, or relative to the workspace). */
  source: string;
  /** Name inside the archive: the absolute path without its leading slash, like GNU tar. */
  archivedAs: string;
  files: number;
  bytes: number;
}

/** Resolves `paths` against `baseDir` and measures them; a missing path is an error naming it. */
export async function planArchive(paths: string[], baseDir: string): Promise<ArchivedPath[]> {
  const out: ArchivedPath[] = [];
  const names = new Set<string>();
  for (const p of paths) {
    const abs = resolve(baseDir, p);
    const st = await lstat(abs).catch(() => undefined);
    if (!st) throw new ActionError(`paths: ${p} does not exist`);
    const archivedAs = archiveName(abs);
    if (names.has(archivedAs)) throw new ActionError(`paths: ${p} is listed twice`);
    names.add(archivedAs);
    let files = 0;
    let bytes = 0;
    for await (const e of walk(abs, archivedAs)) {
      if (e.type === 'file') {
        files++;
        bytes += e.size;
      }
    }
    out.push({ source: p, archivedAs, files, bytes });
  }
  return out;
}

function archiveName(abs: string): string {
  const n = normalize(abs).replace(/^\/+/, '').split(sep).join('/');
  return n === '' ? '.' : n;
}

interface WalkEntry {
  abs: string;
  name: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mode: number;
  mtime: Date;
}

/** Depth-first, sorted, without following symlinks; sockets and devices are skipped. */
async function* walk(abs: string, name: string): AsyncGenerator<WalkEntry> {
  const st = await lstat(abs);
  const base = { abs, name, mode: st.mode & 0o7777, mtime: st.mtime };
  if (st.isSymbolicLink()) yield { ...base, type: 'symlink', size: 0 };
  else if (st.isFile()) yield { ...base, type: 'file', size: st.size };
  else if (st.isDirectory()) {
    yield { ...base, type: 'directory', size: 0 };
    for (const child of (await readdir(abs)).sort()) yield* walk(join(abs, child), `${name}/${child}`);
  }
}

/**
 * A tar stream of `plan`'s paths, produced as fast as the consumer reads it (each file is piped
 * into its entry with backpressure). A file that shrinks while it is read fails the archive.
 */
export function packPaths(plan: ArchivedPath[], baseDir: string): Readable {
  const pack = tar.pack();
  const fill = async () => {
    for (const p of plan) {
      for await (const e of walk(resolve(baseDir, p.source), p.archivedAs)) {
        const header = { name: e.name, mode: e.mode, mtime: e.mtime };
        if (e.type === 'directory') {
          await addEntry(pack, { ...header, type: 'directory' });
        } else if (e.type === 'symlink') {
          await addEntry(pack, { ...header, type: 'symlink', linkname: await readlink(e.abs) });
        } else {
          await addFile(pack, e).catch((err: unknown) => {
            throw new ActionError(
              `paths: cannot archive ${e.abs}: ${err instanceof Error ? err.message : String(err)}`,
            );
          });
        }
      }
    }
    pack.finalize();
  };
  fill().catch((e: unknown) => pack.destroy(e as Error));
  // tar-stream speaks streamx; Readable.from gives the Node stream the rest of the pipeline expects.
  return Readable.from(pack, { objectMode: false });
}

/** Copies exactly `e.size` bytes of the file into its entry, waiting for the pack to drain. */
async function addFile(pack: tar.Pack, e: WalkEntry): Promise<void> {
  let done!: (err?: Error | null) => void;
  const finished = new Promise<void>((res, rej) => (done = (err) => (err ? rej(err) : res())));
  const sink = pack.entry({ name: e.name, mode: e.mode, mtime: e.mtime, type: 'file', size: e.size }, (err) =>
    done(err),
  );
  let copied = 0;
  if (e.size > 0) {
    for await (const chunk of createReadStream(e.abs, { start: 0, end: e.size - 1, highWaterMark: 256 * 1024 })) {
      copied += (chunk as Buffer).length;
      if (!sink.write(chunk as Buffer)) await new Promise<void>((res) => sink.once('drain', () => res()));
    }
  }
  if (copied !== e.size) {
    sink.destroy(new Error(`file shrank from ${e.size} to ${copied} bytes while it was read`));
  } else {
    sink.end(undefined);
  }
  await finished;
}

function addEntry(pack: tar.Pack, header: tar.Header | (Partial<tar.Header> & { name: string })): Promise<void> {
  return new Promise((res, rej) => {
    pack.entry(header, (err) => (err ? rej(err) : res()));
  });
}

export interface ExtractResult {
  files: number;
  bytes: number;
}

/**
 * Extracts a tar stream under `dir`. Entries may not leave `dir`: absolute names, `..` and writes
 * through symlinks are refused.
 */
export async function extractArchive(source: Readable, dir: string): Promise<ExtractResult> {
  await mkdir(dir, { recursive: true });
  const root = await realpath(dir);
  const extract = tar.extract();
  let files = 0;
  let bytes = 0;
  const dirTimes: Array<[string, Date]> = [];
  const consume = (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      const name = h.name.replace(/\/+$/, '');
      if (name === '' || name === '.') {
        entry.resume();
        continue;
      }
      if (isAbsolute(name) || name.split('/').includes('..'))
        throw new ActionError(`archive entry "${h.name}" would leave ${dir}`);
      const target = join(root, name);
      await mkdir(dirname(target), { recursive: true });
      const parent = await realpath(dirname(target));
      if (parent !== root && !parent.startsWith(root + sep))
        throw new ActionError(`archive entry "${h.name}" would be written through a symlink`);
      if (h.type === 'directory') {
        await mkdir(target, { recursive: true });
        if (h.mode !== undefined) await chmod(target, h.mode);
        if (h.mtime) dirTimes.push([target, h.mtime]);
        entry.resume();
      } else if (h.type === 'symlink') {
        await rm(target, { force: true });
        await symlink(h.linkname ?? '', target);
        entry.resume();
      } else if (h.type === 'file') {
        await rm(target, { force: true, recursive: true });
        await pipeline(
          Readable.from(entry, { objectMode: false }),
          createWriteStream(target, { mode: h.mode ?? 0o644 }),
        );
        if (h.mode !== undefined) await chmod(target, h.mode);
        if (h.mtime) await utimes(target, h.mtime, h.mtime);
        files++;
        bytes += h.size ?? 0;
      } else {
        entry.resume();
      }
    }
  })().catch((e: unknown) => {
    extract.destroy(e as Error);
    source.destroy();
    throw e;
  });
  const feed = (async () => {
    for await (const chunk of source) {
      if (!extract.write(chunk as Buffer)) await new Promise<void>((res) => extract.once('drain', () => res()));
    }
    extract.end(undefined);
  })().catch((e: unknown) => {
    extract.destroy(e as Error);
    throw e;
  });
  await Promise.all([feed, consume]);
  // Directory times last: creating their children changed them.
  for (const [d, t] of dirTimes.reverse()) await utimes(d, t, t);
  return { files, bytes };
}
