import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { DataOffsetIndexer, writeDataOffsets } from '../src/archive-offsets.js';
import type { Compression } from '../src/compression.js';
import { FrameFile } from '../src/frame-file.js';
import { FrameDecodeError, FrameDecoder, type FrameResult } from '../src/frame-decoder.js';
import { FramedCompressor, framesProblem, type ManifestFrame } from '../src/frames.js';
import { startPostgres, waitFor, type PostgresService } from '../../../test/harness/services.js';
import { PG_BIN, dumpToPipe, pgArgs } from './pg-dump.js';

let pg: PostgresService;
let dir: string;

/** Tables of several sizes (one empty), large objects and a sequence: every kind of data block. */
const SEED = `
create table big (id int primary key, doc jsonb, note text);
insert into big select g, jsonb_build_object('g', g, 'tags', array['a', 'b']), repeat('x', g % 300) from generate_series(1, 20000) g;
create schema other;
create table other."Mixed Case" (v text);
insert into other."Mixed Case" select md5(g::text) from generate_series(1, 3000) g;
create table empty_one (x int);
create sequence counter start 42;
select lo_from_bytea(0, 'a small large object'::bytea);
select lo_from_bytea(0, decode(repeat('cafe', 200000), 'hex'));
`;

beforeAll(async () => {
  pg = await startPostgres();
  await pg.createDatabase('src');
  await pg.query(SEED, [], 'src');
  dir = await mkdtemp(join(tmpdir(), 'ralph-offsets-'));
}, 120_000);

afterAll(async () => {
  await pg?.stop();
}, 60_000);

/** pg_dump's archive as written to a pipe: no data offsets in its table of contents. */
function dumpPiped(extra: string[] = ['--compress=0']): Promise<Buffer> {
  return dumpToPipe(pg, 'src', extra);
}

/** The same archive written by pg_dump to a file, where it fills the offsets in itself. */
function dumpToFile(path: string, extra: string[] = ['--compress=0']): Promise<Buffer> {
  const r = spawnSync(`${PG_BIN}/pg_dump`, ['--format=custom', ...extra, ...pgArgs(pg, 'src'), '-f', path], {
    env: { ...process.env, PGPASSWORD: pg.password },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return readFile(path);
}

/** Feeds `bytes` through `stream`, `chunk` bytes at a time; returns what came out. */
async function feed(bytes: Buffer, chunk: number, stream: Transform): Promise<Buffer> {
  const out: Buffer[] = [];
  const parts = function* () {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  };
  const sink = new Writable({
    write: (c: Buffer, _e, cb) => {
      out.push(c);
      cb();
    },
  });
  await pipeline(Readable.from(parts()), stream, sink);
  return Buffer.concat(out);
}

async function index(bytes: Buffer, chunk: number): Promise<{ indexer: DataOffsetIndexer; passed: Buffer }> {
  const indexer = new DataOffsetIndexer();
  return { indexer, passed: await feed(bytes, chunk, indexer) };
}

/** Positions where two equally long buffers differ. */
function differences(a: Buffer, b: Buffer): number[] {
  expect(a.length).toBe(b.length);
  const at: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) at.push(i);
  return at;
}

/** The header's creation time ends well before this byte; nothing else may differ. */
const HEADER_TIME_END = 64;

describe('data offsets for a streamed custom-format archive', () => {
  it.each([1, 7, 4096, 1 << 30])(
    'writes the offsets pg_dump writes on a seekable file (chunks of %i bytes)',
    async (chunk) => {
      const piped = await dumpPiped();
      const seekable = await dumpToFile(join(dir, `seekable-${chunk}.dump`));
      // Without offsets the archives differ beyond the header: the test can fail.
      expect(differences(piped, seekable).some((p) => p >= HEADER_TIME_END)).toBe(true);

      const { indexer, passed } = await index(piped, chunk);
      expect(passed.equals(piped)).toBe(true);
      const found = indexer.index();
      expect(indexer.problem).toBeUndefined();
      expect(found?.version).toBe('1.14');
      const file = join(dir, `patched-${chunk}.dump`);
      await writeFile(file, piped);
      // big, other."Mixed Case", empty_one and the large objects have data blocks
      expect(await writeDataOffsets(file, found!)).toBe(4);
      const patched = await readFile(file);
      expect(differences(patched, seekable).filter((p) => p >= HEADER_TIME_END)).toEqual([]);
    },
    60_000,
  );

  it('handles archives that pg_dump compressed itself', async () => {
    const piped = await dumpPiped(['--compress=6']);
    const seekable = await dumpToFile(join(dir, 'seekable-z6.dump'), ['--compress=6']);
    const { indexer } = await index(piped, 65536);
    const file = join(dir, 'patched-z6.dump');
    await writeFile(file, piped);
    expect(await writeDataOffsets(file, indexer.index()!)).toBe(4);
    expect(differences(await readFile(file), seekable).filter((p) => p >= HEADER_TIME_END)).toEqual([]);
  }, 60_000);

  it('leaves an archive that already has offsets alone', async () => {
    const seekable = await dumpToFile(join(dir, 'already.dump'));
    const { indexer } = await index(seekable, 65536);
    expect(await writeDataOffsets(join(dir, 'already.dump'), indexer.index()!)).toBe(0);
    expect((await readFile(join(dir, 'already.dump'))).equals(seekable)).toBe(true);
  }, 60_000);

  it('a patched archive restores in parallel to the same data', async () => {
    const file = join(dir, 'restore.dump');
    const piped = await dumpPiped();
    await writeFile(file, piped);
    const { indexer } = await index(piped, 65536);
    await writeDataOffsets(file, indexer.index()!);
    await pg.createDatabase('restored');
    const r = spawnSync(
      `${PG_BIN}/pg_restore`,
      ['--jobs=3', '--exit-on-error', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', 'restored', file],
      { env: { ...process.env, PGPASSWORD: pg.password }, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const q = `select (select count(*) from big)::int as big, (select sum(length(note)) from big)::int as notes,
                      (select count(*) from other."Mixed Case")::int as mixed, (select count(*) from pg_largeobject_metadata)::int as los,
                      (select last_value from counter)::int as counter`;
    expect((await pg.query(q, [], 'restored')).rows).toEqual((await pg.query(q, [], 'src')).rows);
  }, 60_000);

  it('says why, and passes the bytes untouched, when the stream is not an indexable archive', async () => {
    const plain = Buffer.from('--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n'.repeat(100));
    const notArchive = await index(plain, 100);
    expect(notArchive.passed.equals(plain)).toBe(true);
    expect(notArchive.indexer.index()).toBeUndefined();
    expect(notArchive.indexer.problem).toBe('not a pg_dump custom-format archive');

    const piped = await dumpPiped();
    const truncated = piped.subarray(0, piped.length - 1000);
    const cut = await index(truncated, 4096);
    expect(cut.passed.equals(truncated)).toBe(true);
    expect(cut.indexer.index()).toBeUndefined();
    expect(cut.indexer.problem).toBe('the archive ends inside a data block');

    const future = Buffer.from(piped);
    future[6] = 99; // archive version 1.99
    const unknown = await index(future, 4096);
    expect(unknown.indexer.index()).toBeUndefined();
    expect(unknown.indexer.problem).toBe('archive version 1.99 is not known');
  }, 60_000);
});

/** Runs `bytes` through a FramedCompressor `chunk` bytes at a time; returns it and what it wrote. */
async function frame(
  bytes: Buffer,
  compression: Compression,
  frameBytes: number,
  chunk = 65536,
): Promise<{ framed: FramedCompressor; stored: Buffer }> {
  const framed = new FramedCompressor(compression, compression === 'gzip' ? 6 : 1, frameBytes);
  return { framed, stored: await feed(bytes, chunk, framed) };
}

describe('a dump stored in frames', () => {
  it.each([
    ['zstd', 65536],
    ['gzip', 65536],
    ['none', 65536],
    ['zstd', 7],
  ] as Array<[Compression, number]>)(
    '%s, fed %i bytes at a time: frames cut at data blocks, each decompressing alone to its slice',
    async (compression, chunk) => {
      const archive = await dumpPiped();
      const { indexer } = await index(archive, 65536);
      const blocks = [...indexer.blockPositions.values()].sort((a, b) => a - b);
      const { framed, stored } = await frame(archive, compression, 100_000, chunk);
      const { frames } = framed;

      expect(framesProblem(frames, stored.length, archive.length)).toBeUndefined();
      expect(new Map(framed.blocks)).toEqual(new Map(indexer.blockPositions));
      // the header and TOC alone first, then every frame starts where a data block does
      expect(frames[0]!.rawSize).toBe(blocks[0]);
      for (const f of frames.slice(1)) expect(blocks).toContain(f.rawOffset);
      // a block starts a new frame only once the current one holds frameBytes (big: 20,000 rows)
      for (const f of frames.slice(1, -1)) expect(f.rawSize).toBeGreaterThanOrEqual(100_000);
      expect(frames.length).toBeGreaterThanOrEqual(3);
      for (const f of frames) {
        const piece = stored.subarray(f.offset, f.offset + f.size);
        expect(createHash('sha256').update(piece).digest('hex')).toBe(f.sha256);
        const raw =
          compression === 'zstd' ? zstdDecompressSync(piece) : compression === 'gzip' ? gunzipSync(piece) : piece;
        expect(raw.equals(archive.subarray(f.rawOffset, f.rawOffset + f.rawSize))).toBe(true);
      }
    },
  );

  it('cuts nothing in a stream it cannot read as an archive, and still stores it whole', async () => {
    const bytes = Buffer.concat([Buffer.from('not an archive at all\n'), Buffer.alloc(300_000, 'x')]);
    const { framed, stored } = await frame(bytes, 'zstd', 1000);
    expect(framed.frames).toHaveLength(1);
    expect(framed.blocks.size).toBe(0);
    expect(zstdDecompressSync(stored).equals(bytes)).toBe(true);
  });

  it('rejects frames that leave a gap, overlap or do not add up to the object', () => {
    const sha256 = 'a'.repeat(64);
    const good = [
      { offset: 0, size: 10, rawOffset: 0, rawSize: 40, sha256 },
      { offset: 10, size: 5, rawOffset: 40, rawSize: 20, sha256 },
    ];
    expect(framesProblem(good, 15, 60)).toBeUndefined();
    expect(framesProblem([good[0], { ...good[1]!, offset: 11 }], 16, 60)).toBe(
      'frame 1 does not follow the one before it',
    );
    expect(framesProblem([good[0], { ...good[1]!, rawOffset: 39 }], 15, 59)).toBe(
      'frame 1 does not follow the one before it',
    );
    expect(framesProblem([good[0], { ...good[1]!, sha256: 'nope' }], 15, 60)).toBe(
      'frame 1 does not follow the one before it',
    );
    expect(framesProblem(good, 16, 60)).toBe('the frames add up to 15 bytes (60 decompressed), the object has 16 (60)');
    expect(framesProblem([], 0, 0)).toBe('frames is not a non-empty list');
  });
});

describe('FrameDecoder', () => {
  /** A framed archive on file, and what each frame decodes into through a FrameDecoder. */
  async function stored(compression: Compression) {
    const archive = await dumpPiped();
    const { framed, stored: bytes } = await frame(archive, compression, 100_000);
    const path = join(dir, `stored-${compression}`);
    await writeFile(path, bytes);
    return { archive, frames: framed.frames, bytes, path };
  }

  async function decodeAll(
    compression: Compression,
    frames: ManifestFrame[],
    into: string,
    source: (f: ManifestFrame) => { path: string } | { body: Readable },
  ): Promise<{ results: FrameResult[]; written: number[] }> {
    await writeFile(into, '');
    const decoder = new FrameDecoder(compression, into);
    const written = frames.map(() => 0);
    try {
      const results = await Promise.all(
        frames.map((f, i) => {
          const s = source(f);
          const job = { i, rawOffset: f.rawOffset, rawSize: f.rawSize, upTo: Infinity };
          const onWritten = (n: number) => (written[i] = (written[i] as number) + n);
          return 'path' in s
            ? decoder.decode({ ...job, source: { path: s.path, start: f.offset, end: f.offset + f.size } }, onWritten)
            : decoder.decode(job, onWritten, s.body);
        }),
      );
      return { results, written };
    } finally {
      await decoder.close();
    }
  }

  it.each(['zstd', 'gzip', 'none'] as Compression[])(
    '%s: decodes every frame at its place, read from the file or fed to it, with sha256 and sizes',
    async (compression) => {
      const { archive, frames, bytes, path } = await stored(compression);
      for (const how of ['file', 'fed'] as const) {
        const into = join(dir, `decoded-${compression}-${how}`);
        const { results, written } = await decodeAll(compression, frames, into, (f) =>
          how === 'file' ? { path } : { body: Readable.from([bytes.subarray(f.offset, f.offset + f.size)]) },
        );
        expect((await readFile(into)).equals(archive)).toBe(true);
        expect(results).toEqual(frames.map((f) => ({ sha256: f.sha256, storedBytes: f.size, rawBytes: f.rawSize })));
        expect(written).toEqual(frames.map((f) => f.rawSize));
      }
    },
    60_000,
  );

  it('holds a frame at its allowance until allowed further', async () => {
    const raw = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < raw.length; i += 4) raw.writeUInt32LE((i * 2654435761) >>> 0, i);
    const { framed, stored: bytes } = await frame(raw, 'zstd', 64 * 1024 * 1024);
    const [f] = framed.frames as [ManifestFrame];
    const path = join(dir, 'paced.zst');
    await writeFile(path, bytes);
    const into = join(dir, 'paced');
    await writeFile(into, '');
    const decoder = new FrameDecoder('zstd', into);
    const limit = 2 * 1024 * 1024;
    let written = 0;
    let beforeAllow: number;
    const reached = new Promise<void>((resolve) => {
      const job = { i: 0, rawOffset: 0, rawSize: f.rawSize, upTo: limit, source: { path, start: 0, end: f.size } };
      void decoder
        .decode(job, (n) => {
          written += n;
          if (written >= limit) resolve();
        })
        .then((r) => expect(r.rawBytes).toBe(raw.length));
    });
    try {
      await reached;
      // time enough for a decoder that ignored its allowance to run on to the end
      await new Promise((r) => setTimeout(r, 200));
      beforeAllow = written;
      decoder.allow(0, Infinity);
      await waitFor(async () => written === raw.length, 30_000, 'the rest of the frame');
    } finally {
      await decoder.close();
    }
    // at most one decompressed chunk (1 MiB) past the allowance
    expect(beforeAllow).toBeGreaterThanOrEqual(limit);
    expect(beforeAllow).toBeLessThanOrEqual(limit + 1024 * 1024);
    expect((await readFile(into)).equals(raw)).toBe(true);
  }, 60_000);

  it("fails a frame that does not decompress with zlib's code, and one that grows past its size", async () => {
    const { frames, bytes, path } = await stored('zstd');
    const big = frames.reduce((a, b) => (b.size > a.size ? b : a));
    const damaged = Buffer.from(bytes);
    const at = big.offset + Math.floor(big.size / 2);
    damaged[at] = (damaged[at] as number) ^ 0xff;
    const bad = join(dir, 'damaged');
    await writeFile(bad, damaged);
    await writeFile(path + '.out', '');
    const decoder = new FrameDecoder('zstd', path + '.out');
    try {
      const source = { path: bad, start: big.offset, end: big.offset + big.size };
      const failed = await decoder
        .decode({ i: 0, rawOffset: 0, rawSize: big.rawSize, upTo: Infinity, source }, () => undefined)
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(FrameDecodeError);
      expect((failed as FrameDecodeError).code).toMatch(/^ZSTD_error_/);
      const whole = { path, start: big.offset, end: big.offset + big.size };
      const grown = await decoder
        .decode({ i: 1, rawOffset: 0, rawSize: big.rawSize - 1, upTo: Infinity, source: whole }, () => undefined)
        .catch((e: unknown) => e);
      expect((grown as FrameDecodeError).overflow).toBe(true);
    } finally {
      await decoder.close();
    }
  }, 60_000);
});

describe('FrameFile', () => {
  const frames = [
    { offset: 0, size: 1, rawOffset: 0, rawSize: 4, sha256: '' },
    { offset: 1, size: 1, rawOffset: 4, rawSize: 6, sha256: '' },
    { offset: 2, size: 1, rawOffset: 10, rawSize: 5, sha256: '' },
  ];

  /** Writes `text` after what frame `i` has on file, the way the decoder thread does, and says so. */
  async function put(file: FrameFile, i: number, text: string): Promise<void> {
    const fh = await open(file.path, 'r+');
    await fh.write(Buffer.from(text), 0, text.length, (frames[i] as { rawOffset: number }).rawOffset + file.written(i));
    await fh.close();
    file.wrote(i, text.length);
  }

  it('follows frames written out of order, and announces blocks as their first byte lands', async () => {
    const file = new FrameFile(join(dir, 'frames'), frames, [
      [7, 4],
      [8, 12],
    ]);
    await file.create();
    const heard: Array<[number, number]> = [];
    file.on('block', (id: number, at: number) => heard.push([id, at]));
    // the last frame first: bytes 10.. are there, 0..10 are not
    await put(file, 2, 'kl');
    expect(await file.waitFor(11, 10)).toBe(12);
    expect(heard).toEqual([]);
    await put(file, 2, 'mno');
    expect(heard).toEqual([[8, 12]]);
    expect(file.contiguousFrom(0)).toBe(0);
    const fromStart = file.waitFor(8);
    await put(file, 0, 'abcd');
    await put(file, 1, 'ef');
    expect(heard).toEqual([
      [8, 12],
      [7, 4],
    ]);
    await put(file, 1, 'ghij');
    // frame 1 complete: the run from 0 goes on into frame 2, which is complete too
    expect(await fromStart).toBe(15);
    file.finish();
    expect(await readFile(join(dir, 'frames'), 'utf8')).toBe('abcdefghijklmno');
    expect(new Map(file.blockPositions)).toEqual(
      new Map([
        [7, 4],
        [8, 12],
      ]),
    );
  });

  it('when paced, lets each frame be decoded a lead past what its readers asked for', () => {
    const MiB = 1024 * 1024;
    const big = [
      { offset: 0, size: 1, rawOffset: 0, rawSize: 10 * MiB, sha256: '' },
      { offset: 1, size: 1, rawOffset: 10 * MiB, rawSize: 100 * MiB, sha256: '' },
      { offset: 2, size: 1, rawOffset: 110 * MiB, rawSize: 100 * MiB, sha256: '' },
    ];
    const file = new FrameFile(join(dir, 'paced'), big, []);
    const allowed: Array<[number, number]> = [];
    file.on('allow', (i: number, upTo: number) => allowed.push([i, upTo]));
    expect(file.allowance(1)).toBe(Infinity);
    file.pace(16 * MiB);
    // the header and TOC frame is never held; the others start a lead into themselves
    expect(file.allowance(0)).toBe(Infinity);
    expect(file.allowance(1)).toBe(26 * MiB);
    expect(file.allowance(2)).toBe(126 * MiB);
    expect(allowed).toEqual([
      [1, 26 * MiB],
      [2, 126 * MiB],
    ]);
    allowed.length = 0;
    // a reader 40 MiB into frame 1 moves its allowance, not frame 2's
    void file.waitFor(50 * MiB, 49 * MiB).catch(() => undefined);
    expect(file.allowance(1)).toBe(66 * MiB);
    expect(file.allowance(2)).toBe(126 * MiB);
    expect(allowed).toEqual([[1, 66 * MiB]]);
    // small steps are not announced one by one
    void file.waitFor(50 * MiB + 1000, 50 * MiB).catch(() => undefined);
    expect(allowed).toHaveLength(1);
    file.pace(undefined);
    expect(file.allowance(2)).toBe(Infinity);
    expect(allowed.slice(1)).toEqual([
      [1, Infinity],
      [2, Infinity],
    ]);
    file.fail(new Error('done'));
  });

  it('refuses more bytes than a frame holds, and rejects waiting readers when it fails', async () => {
    const file = new FrameFile(join(dir, 'failing'), frames, []);
    expect(() => file.wrote(0, 5)).toThrow('frame 1 decompresses to more than the 4 bytes backed up');
    const waiting = file.waitFor(3);
    file.fail(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(file.failed).toBe(true);
  });
});
