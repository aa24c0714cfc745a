import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, readdir, writeFile, mkdir, symlink, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { text } from 'node:stream/consumers';
import { randomBytes } from 'node:crypto';
import { backupIdTime, isBackupId, newBackupId } from '../src/ids.js';
import { compressor, decompressor, levelProblem, type Compression } from '../src/compression.js';
import { scratchDir, scratchPrefix, sweepOrphans } from '../src/scratch.js';
import { spawnSync } from 'node:child_process';
import { openStore, FileStore } from '../src/storage/index.js';
import { MIN_PART_SIZE, partSizeFor, queueSizeFor } from '../src/storage/s3.js';
import { parseManifest } from '../src/manifest.js';
import { extractArchive, packPaths, planArchive } from '../src/archive.js';
import { findTool, libpqConnection } from '../src/pgtools.js';

describe('backup ids', () => {
  it('encode the start time and sort by it', () => {
    const a = newBackupId(new Date('2026-01-02T03:04:05.678Z'));
    const b = newBackupId(new Date('2026-01-02T03:04:06Z'));
    expect(a).toMatch(/^20260102T030405Z-[0-9a-f]{6}$/);
    expect(isBackupId(a)).toBe(true);
    expect(backupIdTime(a)?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(a < b).toBe(true);
    expect(isBackupId('db_20260102_030405.sql.gz')).toBe(false);
    expect(backupIdTime('nope')).toBeUndefined();
  });
});

describe('compression', () => {
  it.each(['zstd', 'gzip', 'none'] as Compression[])('%s round-trips bytes', async (c) => {
    const input = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000, 7)]);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    await pipeline(Readable.from([input]), compressor(c, c === 'gzip' ? 6 : 3), decompressor(c), sink);
    expect(Buffer.concat(chunks).equals(input)).toBe(true);
  });
  it('checks levels per algorithm', () => {
    expect(levelProblem('zstd', 19)).toBeUndefined();
    expect(levelProblem('gzip', 12)).toMatch(/outside gzip's range 1-9/);
    expect(levelProblem('none', 99)).toBeUndefined();
  });
});

describe('S3 part size', () => {
  it('never exceeds 10,000 parts for twice the expected size and never goes below 5 MiB', () => {
    expect(partSizeFor(1000)).toBe(MIN_PART_SIZE);
    for (const size of [1e9, 1.5e9, 1e11, 1e12, 4.8e12]) {
      const part = partSizeFor(size);
      expect(part).toBeGreaterThanOrEqual(MIN_PART_SIZE);
      expect(Math.ceil((2 * size) / part)).toBeLessThanOrEqual(10_000);
      expect(part % (1024 * 1024)).toBe(0);
    }
    // unknown size: big parts, fewer of them in flight
    expect(partSizeFor(undefined)).toBe(64 * 1024 * 1024);
    expect(queueSizeFor(partSizeFor(undefined)) * partSizeFor(undefined)).toBeLessThanOrEqual(128 * 1024 * 1024);
  });
});

describe('openStore', () => {
  it('accepts s3:// and file:// and names bad destinations', () => {
    expect(openStore('s3://my-bucket/a/b/').location).toBe('s3://my-bucket/a/b');
    expect(openStore('file:///var/backups/x/').location).toBe('file:///var/backups/x');
    expect(() => openStore('gs://bucket/x')).toThrow(/must start with s3:\/\/ or file:\/\//);
    expect(() => openStore('s3://B_ad')).toThrow(/valid S3 bucket/);
  });
});

describe('file store', () => {
  it('publishes an object only when its stream completes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'store-'));
    const store = new FileStore(root);
    await store.put('20260101T000000Z-000000/a', Readable.from([Buffer.from('hello')]));
    expect(await text(await store.get('20260101T000000Z-000000/a'))).toBe('hello');
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('source died'));
      },
    });
    await expect(store.put('20260101T000000Z-000000/b', failing)).rejects.toThrow('source died');
    expect((await store.list()).map((o) => o.key)).toEqual(['20260101T000000Z-000000/a']);
    await store.remove(['20260101T000000Z-000000/a']);
    expect(await readdir(root)).toEqual([]);
  });
});

describe('manifest parsing', () => {
  const good = {
    manifestVersion: 1,
    id: '20260101T000000Z-abcdef',
    createdAt: '2026-01-01T00:00:00Z',
    database: { pgDumpMajor: 15, tables: [] },
    format: 'custom',
    compression: { algorithm: 'zstd', level: 3 },
    objects: [
      { key: '20260101T000000Z-abcdef/database.dump.zst', kind: 'database', sizeBytes: 1, sha256: 'a'.repeat(64) },
    ],
  };
  it('accepts a valid manifest and rejects a mismatched or broken one', () => {
    expect(parseManifest(JSON.stringify(good), good.id).id).toBe(good.id);
    expect(() => parseManifest(JSON.stringify(good), '20260101T000000Z-000000')).toThrow(/does not match/);
    expect(() => parseManifest('{', good.id)).toThrow(/not JSON/);
    expect(() => parseManifest(JSON.stringify({ ...good, objects: [] }), good.id)).toThrow(/no database object/);
  });
});

describe('libpq connection', () => {
  it('keeps the password off the command line', () => {
    const c = libpqConnection('postgres://app:p%40ss@db:5433/x?sslmode=require');
    expect(c.dbname).toBe('postgres://app@db:5433/x?sslmode=require');
    expect(c.env.PGPASSWORD).toBe('p@ss');
  });
});

describe('findTool', () => {
  /** A PATH dir whose pg_dump links to `target`, and a Debian-style root with `majors` installed. */
  async function layout(wrapperName: string, majors: number[]) {
    const dir = await mkdtemp(join(tmpdir(), 'ralph-pgtools-'));
    const script = (version: string) => `#!/bin/sh\necho "pg_dump (PostgreSQL) ${version}"\n`;
    await mkdir(join(dir, 'share'));
    await writeFile(join(dir, 'share', wrapperName), script('15.4 (Debian 15.4-1)'), { mode: 0o755 });
    await mkdir(join(dir, 'bin'));
    await symlink(join(dir, 'share', wrapperName), join(dir, 'bin', 'pg_dump'));
    for (const m of majors) {
      await mkdir(join(dir, 'lib', String(m), 'bin'), { recursive: true });
      await writeFile(join(dir, 'lib', String(m), 'bin', 'pg_dump'), script(`${m}.4`), { mode: 0o755 });
    }
    const find = () => findTool('pg_dump', undefined, { PATH: join(dir, 'bin') }, join(dir, 'lib'));
    return { dir, find };
  }

  it("runs the binary Debian's pg_wrapper would, for the version it reported", async () => {
    const { dir, find } = await layout('pg_wrapper', [14, 15, 16]);
    const tool = await find();
    expect(tool.path).toBe(join(dir, 'lib', '15', 'bin', 'pg_dump'));
    expect(tool.major).toBe(15);
    expect(tool.version).toBe('pg_dump (PostgreSQL) 15.4 (Debian 15.4-1)');
  });

  it('keeps the wrapper when that version is not where Debian puts it', async () => {
    const { dir, find } = await layout('pg_wrapper', [16]);
    expect((await find()).path).toBe(join(dir, 'bin', 'pg_dump'));
  });

  it('keeps any other link as found on PATH', async () => {
    const { dir, find } = await layout('pg_dump-15', [15]);
    expect((await find()).path).toBe(join(dir, 'bin', 'pg_dump'));
  });
});

describe('tar archive of paths', () => {
  it('round-trips files, directories, empty files and symlinks byte for byte', async () => {
    const src = await mkdtemp(join(tmpdir(), 'paths-'));
    await mkdir(join(src, 'data/sub'), { recursive: true });
    const big = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(src, 'data/big.bin'), big);
    await writeFile(join(src, 'data/empty'), '');
    await writeFile(join(src, 'data/sub/ünï côdé.txt'), 'text\n');
    await symlink('big.bin', join(src, 'data/link'));
    const plan = await planArchive(['data'], src);
    expect(plan[0]).toMatchObject({ files: 3, bytes: big.length + 5 });
    const out = await mkdtemp(join(tmpdir(), 'restore-'));
    const r = await extractArchive(packPaths(plan, src), out);
    expect(r.files).toBe(3);
    const restored = join(out, plan[0]!.archivedAs);
    expect((await readFile(join(restored, 'big.bin'))).equals(big)).toBe(true);
    expect(await readFile(join(restored, 'sub/ünï côdé.txt'), 'utf8')).toBe('text\n');
    expect(await readFile(join(restored, 'empty'), 'utf8')).toBe('');
    expect(await readlink(join(restored, 'link'))).toBe('big.bin');
  });
  it('names a missing path', async () => {
    await expect(planArchive(['/nonexistent/x'], '/')).rejects.toThrow('paths: /nonexistent/x does not exist');
  });
});

describe('scratchDir', () => {
  const MiB = 1024 * 1024;
  it('prefers a memory filesystem when the dump fits with room to spare', async () => {
    const disk = await mkdtemp(join(tmpdir(), 'ralph-disk-'));
    const plenty = () => 64 * 1024 * MiB;
    expect(await scratchDir(10 * MiB, disk, '/dev/shm', plenty)).toEqual({ dir: '/dev/shm', inMemory: true });
    // not enough available memory for twice the dump
    expect(await scratchDir(10 * MiB, disk, '/dev/shm', () => 200 * MiB)).toEqual({ dir: disk, inMemory: false });
    // bigger than the memory filesystem
    expect(await scratchDir(Number.MAX_SAFE_INTEGER, disk, '/dev/shm', plenty)).toEqual({ dir: disk, inMemory: false });
    // a directory on disk is not a memory filesystem; a missing one is ignored
    expect(await scratchDir(10 * MiB, disk, disk, plenty)).toEqual({ dir: disk, inMemory: false });
    expect(await scratchDir(10 * MiB, disk, join(disk, 'missing'), plenty)).toEqual({ dir: disk, inMemory: false });
    expect(await scratchDir(10 * MiB, disk, undefined, plenty)).toEqual({ dir: disk, inMemory: false });
  });
  it('sweeps the scratch left by restores whose process is gone, and nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ralph-shm-'));
    const dead = spawnSync('true').pid;
    const orphan = `${scratchPrefix('20260102T030405Z-abcdef', dead)}x1`;
    const mine = `${scratchPrefix('20260102T030405Z-abcdef')}x2`;
    await mkdir(join(dir, orphan));
    await writeFile(join(dir, orphan, 'dump'), 'left behind');
    await mkdir(join(dir, mine));
    await mkdir(join(dir, 'ralph-restore-20260102T030405Z-abcdef-x3'));
    await writeFile(join(dir, 'someone-elses'), '');
    expect(await sweepOrphans(dir)).toEqual([orphan]);
    expect((await readdir(dir)).sort()).toEqual(
      [mine, 'ralph-restore-20260102T030405Z-abcdef-x3', 'someone-elses'].sort(),
    );
    expect(await sweepOrphans(join(dir, 'missing'))).toEqual([]);
  });
});
