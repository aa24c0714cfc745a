import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { memoryLogger } from '../../packages/common/src/index.js';
import {
  openStore,
  runBackup,
  runRestore,
  type BackupStore,
  type ByteRange,
  type Manifest,
} from '../../packages/backup/src/index.js';
import { startPostgres, waitFor, type PostgresService } from '../harness/services.js';
import { RICH_SQL, tableChecksums } from './helpers/fixtures.js';

// A restore into a database of its own runs while the archive arrives (schema, then each table's
// data by COPY, its indexes as soon as it is in, the rest at the end). These tests check that the
// result is the same database, that it really overlaps, and that a failure midway leaves nothing.

const PG_BIN = '/usr/lib/postgresql/15/bin';
let pg: PostgresService;
let store: BackupStore;
let rich: Manifest;
let gated: Manifest;
let workDir: string;

beforeAll(async () => {
  pg = await startPostgres();
  await pg.createDatabase('rich');
  await pg.query(RICH_SQL, [], 'rich');
  // a small table first in the archive, then a big one: the first is loaded and indexed while the
  // second is still arriving
  await pg.createDatabase('gate');
  await pg.query(
    `create table a_first (id int primary key, v text);
     create index a_first_v on a_first (v);
     insert into a_first select g, md5(g::text) from generate_series(1, 2000) g;
     create table z_last (id int primary key, body text);
     insert into z_last select g, md5(g::text) || md5((g * 3)::text) from generate_series(1, 150000) g;
     analyze;`,
    [],
    'gate',
  );
  store = await openStore(`file://${await mkdtemp(join(tmpdir(), 'ralph-streamed-store-'))}`);
  workDir = await mkdtemp(join(tmpdir(), 'ralph-streamed-work-'));
  const log = memoryLogger();
  rich = (await runBackup({ databaseUrl: pg.urlFor('rich'), store, compression: 'zstd', level: 3, log })).manifest;
  // uncompressed: the stored bytes are the archive's, so a byte offset is a place in the archive
  gated = (await runBackup({ databaseUrl: pg.urlFor('gate'), store, compression: 'none', level: 0, log })).manifest;
}, 180_000);

afterAll(async () => {
  store?.close();
  await pg?.stop();
}, 60_000);

/** Everything pg_dump sees of a database's schema, comments and ownership aside. */
function schemaOf(database: string): string {
  const r = spawnSync(
    `${PG_BIN}/pg_dump`,
    ['--schema-only', '--no-owner', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', database],
    { env: { ...process.env, PGPASSWORD: pg.password }, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return (
    r.stdout
      .split('\n')
      // (\restrict lines carry a random key per run)
      .filter((l) => !l.startsWith('--') && !/^\\(un)?restrict /.test(l))
      .join('\n')
  );
}

async function extras(database: string): Promise<unknown> {
  const lo = await pg.query(
    `select oid::text, md5(lo_get(oid)) as md5 from pg_largeobject_metadata order by oid`,
    [],
    database,
  );
  const seq = await pg.query(`select last_value::text, is_called from shop.invoice_no`, [], database);
  const mv = await pg.query(`select count(*)::int as n from shop.order_totals`, [], database);
  return { lo: lo.rows, seq: seq.rows, mv: mv.rows };
}

async function exists(database: string): Promise<boolean> {
  const r = await pg.query('select count(*)::int as n from pg_database where datname = $1', [database]);
  return r.rows[0]!.n === 1;
}

/** The store, except that `manifest`'s dump stops half-way until open() is called. */
function heldAtHalf(manifest: Manifest): { store: BackupStore; open: () => void } {
  const dump = manifest.objects.find((o) => o.kind === 'database')!;
  const at = Math.floor(dump.sizeBytes / 2);
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const get = async (k: string, signal?: AbortSignal, range?: ByteRange): Promise<Readable> => {
    const body = await store.get(k, signal, range);
    if (k !== dump.key) return body;
    return Readable.from(
      (async function* () {
        let sent = range?.start ?? 0;
        for await (const chunk of body as AsyncIterable<Buffer>) {
          if (sent <= at && sent + chunk.length > at) {
            yield chunk.subarray(0, at - sent);
            await gate;
            yield chunk.subarray(at - sent);
          } else yield chunk;
          sent += chunk.length;
        }
      })(),
    );
  };
  // (no localPath: the frames must come through the held `get`, not straight off the disk)
  return { store: Object.assign(Object.create(store) as BackupStore, { get, localPath: undefined }), open };
}

/** Counts the restore's open COPY into z_last in `database` (1 while it loads). */
const loadingLast = (database: string) =>
  `select count(*)::int as n from pg_stat_activity where datname = '${database}' and application_name = 'ralph-deploy restore' and query like 'COPY public.z_last %'`;

async function count(database: string, sql: string): Promise<number> {
  try {
    return (await pg.query<{ n: number }>(sql, [], database)).rows[0]!.n;
  } catch {
    return -1; // the database or table is not there yet
  }
}

describe('a restore into a database of its own', () => {
  it.each([2, 1])(
    'restores the same schema, data, large objects and sequences while the archive arrives (jobs %i)',
    async (jobs) => {
      const target = `rich_copy_${jobs}`;
      const log = memoryLogger();
      const r = await runRestore({
        store,
        manifest: rich,
        targetUrl: pg.urlFor(target),
        jobs,
        clean: false,
        workDir,
        log,
      });
      expect(r).toMatchObject({ overlapped: true, targetCreated: true });
      expect(log.lines).toContainEqual(expect.stringContaining('restoring while the archive arrives'));
      expect(await tableChecksums(pg, target)).toEqual(await tableChecksums(pg, 'rich'));
      expect(schemaOf(target)).toBe(schemaOf('rich'));
      expect(await extras(target)).toEqual(await extras('rich'));
      expect(await readdir(workDir)).toEqual([]);
    },
    120_000,
  );

  it('restores into an existing database only after every checksum, with the same result', async () => {
    await pg.createDatabase('rich_existing');
    const log = memoryLogger();
    const r = await runRestore({
      store,
      manifest: rich,
      targetUrl: pg.urlFor('rich_existing'),
      jobs: 2,
      clean: false,
      log,
    });
    expect(r).toMatchObject({ overlapped: false, targetCreated: false });
    expect(log.lines).not.toContainEqual(expect.stringContaining('restoring while the archive arrives'));
    expect(await tableChecksums(pg, 'rich_existing')).toEqual(await tableChecksums(pg, 'rich'));
    expect(schemaOf('rich_existing')).toBe(schemaOf('rich'));
  }, 120_000);

  it('loads and indexes the first table while the rest of the archive has not arrived', async () => {
    const held = heldAtHalf(gated);
    const restoring = runRestore({
      store: held.store,
      manifest: gated,
      targetUrl: pg.urlFor('gate_copy'),
      jobs: 2,
      clean: false,
      log: memoryLogger(),
    });
    let seen: { first: number; index: number; loadingLast: number } | undefined;
    try {
      await waitFor(
        async () =>
          (await count('gate_copy', `select count(*)::int as n from pg_indexes where indexname = 'a_first_v'`)) === 1,
        60_000,
        "a_first's index while the archive is held at half",
      );
      seen = {
        first: await count('gate_copy', 'select count(*)::int as n from a_first'),
        index: 1,
        // (its rows cannot be counted: the load holds the lock of the TRUNCATE before it)
        loadingLast: await count('postgres', loadingLast('gate_copy')),
      };
    } finally {
      held.open();
    }
    expect(seen).toEqual({ first: 2000, index: 1, loadingLast: 1 });
    await expect(restoring).resolves.toMatchObject({ overlapped: true });
    expect(await tableChecksums(pg, 'gate_copy')).toEqual(await tableChecksums(pg, 'gate'));
  }, 120_000);

  it('a failure midway stops the fetch, names the table, and drops the database it created', async () => {
    const held = heldAtHalf(gated);
    const log = memoryLogger();
    const restoring = runRestore({
      store: held.store,
      manifest: gated,
      targetUrl: pg.urlFor('gate_broken'),
      jobs: 2,
      clean: false,
      workDir,
      log,
    });
    const settled = restoring.then(
      () => undefined,
      (e: unknown) => e,
    );
    try {
      await waitFor(async () => (await count('postgres', loadingLast('gate_broken'))) === 1, 60_000, "z_last's COPY");
      await pg.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = 'gate_broken' and application_name = 'ralph-deploy restore'`,
      );
    } finally {
      held.open();
    }
    const error = await settled;
    expect((error as Error).message).toMatch(/^loading the data of public\.z_last failed: /);
    expect(await exists('gate_broken')).toBe(false);
    expect(log.lines).toContainEqual(
      expect.stringContaining('dropped the database gate_broken this restore had created'),
    );
    expect(await readdir(workDir)).toEqual([]);
  }, 120_000);
});
