import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../packages/common/src/index.js';
import {
  openStore,
  resolveBackup,
  runBackup,
  runRestore,
  runVerify,
  type Compression,
} from '../../packages/backup/src/index.js';
import { startMoto, startPostgres, type MotoService, type PostgresService } from '../harness/services.js';
import { SEED_SQL, makeDataDir, tableChecksums, treeDigest } from './helpers/fixtures.js';

let pg: PostgresService;
let moto: MotoService;
let sourceUrl: string;
let expected: Awaited<ReturnType<typeof tableChecksums>>;
let dataDir: string;
let expectedTree: Record<string, string>;

beforeAll(async () => {
  [pg, moto] = await Promise.all([startPostgres(), startMoto()]);
  Object.assign(process.env, moto.env);
  const s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true, region: 'us-east-1' });
  await s3.send(new CreateBucketCommand({ Bucket: 'backups' }));
  s3.destroy();
  sourceUrl = await pg.createDatabase('app');
  await pg.query(SEED_SQL, [], 'app');
  expected = await tableChecksums(pg, 'app');
  const base = await mkdtemp(join(tmpdir(), 'ralph-data-'));
  dataDir = join(base, 'app-data');
  await makeDataDir(dataDir);
  expectedTree = await treeDigest(dataDir);
}, 120_000);

afterAll(async () => {
  await Promise.all([pg?.stop(), moto?.stop()]);
}, 60_000);

const destinations = () => ({
  file: async () => `file://${await mkdtemp(join(tmpdir(), 'ralph-store-'))}`,
  s3: async () => `s3://backups/run-${Math.random().toString(36).slice(2, 8)}/db`,
});

describe.each(['file', 's3'] as const)('backup then restore via %s', (dest) => {
  it.each(['zstd', 'gzip', 'none'] as Compression[])(
    'reproduces every table and data path exactly (%s)',
    async (compression) => {
      const destination = await destinations()[dest]();
      const log = memoryLogger();
      const store = openStore(destination);
      const result = await runBackup({
        databaseUrl: sourceUrl,
        store,
        compression,
        level: compression === 'gzip' ? 6 : 3,
        paths: [dataDir],
        log,
      });
      expect(result.manifest.objects.map((o) => o.kind)).toEqual(['database', 'paths']);
      expect(result.manifest.database.tables.map((t) => `${t.schema}.${t.name}`).sort()).toEqual(
        Object.keys(expected).sort(),
      );
      expect(result.manifest.database.tables.find((t) => t.name === 'activity_log')?.rows).toBe(5000);

      const { manifest } = await resolveBackup(store, undefined, log);
      expect(manifest.id).toBe(result.manifest.id);
      const target = `restored_${dest}_${compression}`;
      const restoreDir = await mkdtemp(join(tmpdir(), 'ralph-restore-'));
      const r = await runRestore({
        store,
        manifest,
        targetUrl: pg.urlFor(target),
        jobs: 2,
        clean: false,
        restoreDir,
        log,
      });
      expect(r.targetCreated).toBe(true);
      expect(await tableChecksums(pg, target)).toEqual(expected);
      expect(await treeDigest(join(restoreDir, manifest.paths[0]!.archivedAs))).toEqual(expectedTree);
      // the view came back too
      expect((await pg.query(`select count(*)::int as n from ralph.active`, [], target)).rows[0]!.n).toBe(1000);
      store.close();
    },
    180_000,
  );
});

describe('restore safety', () => {
  it('refuses a non-empty target unless clean, and clean replaces the data', async () => {
    const log = memoryLogger();
    const store = openStore(`file://${await mkdtemp(join(tmpdir(), 'ralph-store-'))}`);
    const { manifest } = await runBackup({ databaseUrl: sourceUrl, store, compression: 'zstd', level: 3, log });
    const target = await pg.createDatabase('busy');
    await pg.query(`create table keepme (x int); insert into keepme values (1)`, [], 'busy');
    await expect(runRestore({ store, manifest, targetUrl: target, jobs: 2, clean: false, log })).rejects.toThrow(
      /is not empty .*set clean: true/,
    );
    // nothing was restored
    expect(
      (await pg.query(`select count(*)::int as n from pg_namespace where nspname = 'ralph'`, [], 'busy')).rows[0]!.n,
    ).toBe(0);
    // An earlier restore that was then changed: clean puts the backed-up objects back as they were.
    await runRestore({ store, manifest, targetUrl: target, jobs: 2, clean: true, log });
    await pg.query(
      `delete from ralph.orchestrations where id % 2 = 0; insert into audit.activity_log (action, at) values ('junk', now())`,
      [],
      'busy',
    );
    await runRestore({ store, manifest, targetUrl: target, jobs: 2, clean: true, log });
    const got = await tableChecksums(pg, 'busy');
    expect(got['ralph.orchestrations']).toEqual(expected['ralph.orchestrations']);
    expect(got['public.keepme']?.rows).toBe(1);
  }, 180_000);

  it('verify restores into a scratch database, checks it, runs verify-sql and drops it', async () => {
    const log = memoryLogger();
    const store = openStore(`file://${await mkdtemp(join(tmpdir(), 'ralph-store-'))}`);
    const { manifest } = await runBackup({
      databaseUrl: sourceUrl,
      store,
      compression: 'zstd',
      level: 3,
      paths: [dataDir],
      log,
    });
    const ok = await runVerify({
      store,
      manifest,
      serverUrl: pg.url,
      jobs: 2,
      rowTolerance: 0.1,
      sql: `select count(*) = 3000 from ralph.orchestrations`,
      log,
    });
    expect(ok.passed).toBe(true);
    expect(ok.checks.map((c) => [c.title, c.status])).toEqual([
      ['checksums and restore', 'pass'],
      ['tables present', 'pass'],
      ['row counts', 'pass'],
      ['data paths', 'pass'],
      ['verify-sql', 'pass'],
    ]);
    expect(ok.restore?.totalMs).toBeGreaterThan(0);
    const bad = await runVerify({
      store,
      manifest,
      serverUrl: pg.url,
      jobs: 1,
      rowTolerance: 0.1,
      sql: `select count(*) = 1 from ralph.orchestrations`,
      log,
    });
    expect(bad.passed).toBe(false);
    expect(bad.checks.find((c) => c.title === 'verify-sql')).toMatchObject({
      status: 'fail',
      detail: 'returned false',
    });
    const left = await pg.query(`select datname from pg_database where datname like 'ralph_verify_%'`);
    expect(left.rows).toEqual([]);
  }, 180_000);
});
