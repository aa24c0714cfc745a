import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  GetObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { chmod, mkdtemp, open, readFile, readdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../packages/common/src/index.js';
import {
  openStore,
  resolveBackup,
  runBackup,
  runRestore,
  runVerify,
  type BackupStore,
} from '../../packages/backup/src/index.js';
import { startMoto, startPostgres, type MotoService, type PostgresService } from '../harness/services.js';
import { SEED_SQL, tableChecksums } from './helpers/fixtures.js';
import { startFaultProxy } from './helpers/s3-fault-proxy.js';

let pg: PostgresService;
let moto: MotoService;
let s3: S3Client;
let appUrl: string;
let bigUrl: string;
const REAL_PG_DUMP = '/usr/lib/postgresql/15/bin/pg_dump';

beforeAll(async () => {
  [pg, moto] = await Promise.all([startPostgres(), startMoto()]);
  Object.assign(process.env, moto.env);
  s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true, region: 'us-east-1' });
  await s3.send(new CreateBucketCommand({ Bucket: 'backups' }));
  appUrl = await pg.createDatabase('app');
  await pg.query(SEED_SQL, [], 'app');
  // ~30 MB of poorly compressible rows: enough for several 5 MiB multipart parts.
  bigUrl = await pg.createDatabase('big');
  await pg.query(
    `create table blob (id int primary key, body text);
    insert into blob select g, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 31)::text) || md5((g * 61)::text) from generate_series(1, 180000) g;
    analyze blob;`,
    [],
    'big',
  );
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await Promise.all([pg?.stop(), moto?.stop()]);
}, 60_000);

async function databaseExists(name: string): Promise<boolean> {
  const r = await pg.query('select count(*)::int as n from pg_database where datname = $1', [name]);
  return r.rows[0]!.n === 1;
}

async function fileStore(): Promise<{ store: BackupStore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ralph-store-'));
  return { store: openStore(`file://${dir}`), dir };
}

async function s3State(prefix: string): Promise<{ objects: string[]; uploads: string[] }> {
  const o = await s3.send(new ListObjectsV2Command({ Bucket: 'backups', Prefix: prefix }));
  const u = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'backups', Prefix: prefix }));
  return {
    objects: (o.Contents ?? []).map((x) => x.Key as string),
    uploads: (u.Uploads ?? []).map((x) => x.Key as string),
  };
}

/** A pg_dump on a pg-bin-dir that streams `bytes` bytes of a real dump, then kills itself. */
async function dyingPgDump(bytes: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ralph-bin-'));
  await writeFile(
    join(dir, 'pg_dump'),
    `#!/bin/bash\nif [ "$1" = "--version" ]; then exec ${REAL_PG_DUMP} --version; fi\n${REAL_PG_DUMP} "$@" | head -c ${bytes}\nkill -9 $$\n`,
  );
  await chmod(join(dir, 'pg_dump'), 0o755);
  return dir;
}

describe('a failing pg_dump fails the backup and leaves nothing complete-looking', () => {
  it('killed mid-stream, file destination', async () => {
    const { store, dir } = await fileStore();
    const pgBinDir = await dyingPgDump(200_000);
    await expect(
      runBackup({ databaseUrl: appUrl, store, compression: 'zstd', level: 3, pgBinDir, log: memoryLogger() }),
    ).rejects.toThrow(/pg_dump was killed by SIGKILL/);
    expect(await store.list()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  }, 180_000);

  it('killed after several multipart parts, S3 destination: the upload is aborted', async () => {
    const store = openStore('s3://backups/killed');
    const pgBinDir = await dyingPgDump(16 * 1024 * 1024);
    await expect(
      runBackup({ databaseUrl: bigUrl, store, compression: 'none', level: 0, pgBinDir, log: memoryLogger() }),
    ).rejects.toThrow(/pg_dump was killed/);
    expect(await s3State('killed/')).toEqual({ objects: [], uploads: [] });
    store.close();
  }, 180_000);

  it('a database that does not exist', async () => {
    const { store } = await fileStore();
    const log = memoryLogger();
    const err = await runBackup({
      databaseUrl: pg.urlFor('no_such_db'),
      store,
      compression: 'zstd',
      level: 3,
      log,
    }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/database "no_such_db" does not exist/);
    expect((err as Error).message).not.toContain(pg.password);
    expect(await store.list()).toEqual([]);
  }, 180_000);

  it('a pg_dump older than the server is refused before starting, saying how to fix it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ralph-bin-'));
    await writeFile(join(dir, 'pg_dump'), `#!/bin/bash\necho "pg_dump (PostgreSQL) 13.9"\n`);
    await chmod(join(dir, 'pg_dump'), 0o755);
    const { store } = await fileStore();
    await expect(
      runBackup({ databaseUrl: appUrl, store, compression: 'zstd', level: 3, pgBinDir: dir, log: memoryLogger() }),
    ).rejects.toThrow(
      /is version 13, older than the server .*\(15\): set pg-bin-dir to \/usr\/lib\/postgresql\/15\/bin/,
    );
    expect(await store.list()).toEqual([]);
  }, 180_000);
});

describe('an S3 failure in the middle of an upload', () => {
  it('aborts the multipart upload and leaves no object and no manifest', async () => {
    const proxy = await startFaultProxy(moto.endpoint, 2);
    const store = openStore('s3://backups/flaky', { s3Endpoint: proxy.url });
    try {
      await expect(
        runBackup({ databaseUrl: bigUrl, store, compression: 'none', level: 0, log: memoryLogger() }),
      ).rejects.toThrow(/backup .* failed/);
      expect(proxy.failedAttempts()).toBeGreaterThan(0);
      expect(await s3State('flaky/')).toEqual({ objects: [], uploads: [] });
    } finally {
      store.close();
      await proxy.stop();
    }
  }, 180_000);
});

describe('a corrupted object', () => {
  it('fails restore and verify on its checksum (file), leaving the target untouched', async () => {
    const { store, dir } = await fileStore();
    const log = memoryLogger();
    const { manifest } = await runBackup({ databaseUrl: appUrl, store, compression: 'zstd', level: 3, log });
    const dump = manifest.objects.find((o) => o.kind === 'database')!;
    const fh = await open(join(dir, dump.key), 'r+');
    const at = Math.floor(dump.sizeBytes / 2);
    await fh.write(Buffer.from('CORRUPT!'), 0, 8, at);
    await fh.close();
    // the dump is stored in frames, each checked on its own: the error names the damaged one
    const frames = dump.frames!;
    const k = frames.findIndex((f) => at < f.offset + f.size);
    const f = frames[k]!;
    const checksum = new RegExp(
      `^${dump.key} \\(frame ${k + 1} of ${frames.length}, bytes ${f.offset}-${f.offset + f.size - 1}\\) failed its checksum: sha256 [0-9a-f]{64} \\(${f.size} bytes\\), the manifest says ${f.sha256}`,
    );
    // a database that exists is not touched before every checksum is known
    await pg.query('create database corrupt_existing');
    await expect(
      runRestore({ store, manifest, targetUrl: pg.urlFor('corrupt_existing'), jobs: 2, clean: false, log }),
    ).rejects.toThrow(checksum);
    const tables = await pg.query(
      `select count(*)::int as n from pg_tables where schemaname in ('ralph', 'audit')`,
      [],
      'corrupt_existing',
    );
    expect(tables.rows[0]!.n).toBe(0);
    // one the restore creates is restored into as the archive arrives, and dropped when it fails
    await expect(
      runRestore({ store, manifest, targetUrl: pg.urlFor('corrupt_target'), jobs: 2, clean: false, log }),
    ).rejects.toThrow(checksum);
    expect(await databaseExists('corrupt_target')).toBe(false);
    expect(log.lines).toContainEqual(
      expect.stringContaining('dropped the database corrupt_target this restore had created'),
    );
    const v = await runVerify({ store, manifest, serverUrl: pg.url, jobs: 2, rowTolerance: 0.1, log });
    expect(v.passed).toBe(false);
    expect(v.checks[0]).toMatchObject({ status: 'fail', title: 'checksums and restore' });
    expect(v.checks[0]!.detail).toMatch(/failed its checksum/);
  }, 180_000);

  it("fails on the compressor's content checksum when bytes were damaged before they were stored", async () => {
    const { store, dir } = await fileStore();
    const log = memoryLogger();
    const { manifest } = await runBackup({ databaseUrl: appUrl, store, compression: 'zstd', level: 1, log });
    const dump = manifest.objects.find((o) => o.kind === 'database')!;
    const path = join(dir, dump.key);
    const body = await readFile(path);
    const at = Math.floor(body.length * 0.6);
    body[at] = (body[at] as number) ^ 0x55;
    await writeFile(path, body);
    // the manifest agrees with the damaged object: only zstd's frame checksum can tell
    const damaged = structuredClone(manifest);
    const entry = damaged.objects.find((o) => o.kind === 'database')!;
    entry.sha256 = createHash('sha256').update(body).digest('hex');
    const k = entry.frames!.findIndex((f) => at < f.offset + f.size);
    const f = entry.frames![k]!;
    f.sha256 = createHash('sha256')
      .update(body.subarray(f.offset, f.offset + f.size))
      .digest('hex');
    await expect(
      runRestore({ store, manifest: damaged, targetUrl: pg.urlFor('damaged_target'), jobs: 2, clean: false, log }),
    ).rejects.toThrow(
      new RegExp(
        `^${dump.key} \\(frame ${k + 1} of ${entry.frames!.length}, [^)]*\\) does not decompress to what was backed up: `,
      ),
    );
    expect(await databaseExists('damaged_target')).toBe(false);
  }, 180_000);

  it('checks the raw sha256 that manifests of the first releases carry', async () => {
    const { store, dir } = await fileStore();
    const log = memoryLogger();
    const { manifest } = await runBackup({ databaseUrl: appUrl, store, compression: 'gzip', level: 1, log });
    const dump = manifest.objects.find((o) => o.kind === 'database')!;
    expect(dump.rawSha256).toBeUndefined();
    // (gzip members, unlike zstd frames, decompress as one stream: Node reads them all)
    const raw = gunzipSync(await readFile(join(dir, dump.key)));
    const old = structuredClone(manifest);
    const entry = old.objects.find((o) => o.kind === 'database')!;
    // the first releases stored the dump in one piece, with no frames or block positions
    delete entry.frames;
    delete entry.blocks;
    entry.rawSha256 = createHash('sha256').update(raw).digest('hex');
    await runRestore({ store, manifest: old, targetUrl: pg.urlFor('old_manifest'), jobs: 2, clean: false, log });
    expect(await tableChecksums(pg, 'old_manifest')).toEqual(await tableChecksums(pg, 'app'));

    old.objects.find((o) => o.kind === 'database')!.rawSha256 = '0'.repeat(64);
    await expect(
      runRestore({ store, manifest: old, targetUrl: pg.urlFor('old_manifest_bad'), jobs: 2, clean: false, log }),
    ).rejects.toThrow(`${dump.key} decompressed to different bytes than were backed up`);
  }, 180_000);

  it('fails restore on its checksum (S3, uncompressed so only the checksum can catch it)', async () => {
    const store = openStore('s3://backups/corrupt');
    const log = memoryLogger();
    const { manifest } = await runBackup({ databaseUrl: appUrl, store, compression: 'none', level: 0, log });
    const dump = manifest.objects.find((o) => o.kind === 'database')!;
    const key = `corrupt/${dump.key}`;
    const body = Buffer.from(
      await (await s3.send(new GetObjectCommand({ Bucket: 'backups', Key: key }))).Body!.transformToByteArray(),
    );
    const at = Math.floor(body.length * 0.7);
    body[at] = (body[at] as number) ^ 0xff;
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: key, Body: body }));
    const resolved = await resolveBackup(store, manifest.id, log);
    await expect(
      runRestore({
        store,
        manifest: resolved.manifest,
        targetUrl: pg.urlFor('corrupt_s3'),
        jobs: 2,
        clean: false,
        log,
      }),
    ).rejects.toThrow(/failed its checksum/);
    store.close();
  }, 180_000);
});
