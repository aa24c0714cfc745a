import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataOffsetIndexer } from '../../packages/backup/src/index.js';
import { runAction, type RunResult } from '../harness/run-action.js';
import { startMoto, startPostgres, type MotoService, type PostgresService } from '../harness/services.js';
import { SEED_SQL, makeDataDir, tableChecksums, treeDigest } from './helpers/fixtures.js';

let pg: PostgresService;
let moto: MotoService;
let sourceUrl: string;
let expected: Awaited<ReturnType<typeof tableChecksums>>;
let workspace: string;

beforeAll(async () => {
  [pg, moto] = await Promise.all([startPostgres(), startMoto()]);
  const s3 = new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'ralph-backups' }));
  s3.destroy();
  sourceUrl = await pg.createDatabase('app');
  await pg.query(SEED_SQL, [], 'app');
  expected = await tableChecksums(pg, 'app');
  workspace = await mkdtemp(join(tmpdir(), 'ralph-ws-'));
  await makeDataDir(join(workspace, 'data'));
}, 120_000);

afterAll(async () => {
  await Promise.all([pg?.stop(), moto?.stop()]);
}, 60_000);

/** Nothing the action printed or published contains the database password. */
function expectNoSecret(r: RunResult): void {
  for (const text of [r.log, r.summary, JSON.stringify(r.outputs), JSON.stringify(r.annotations)]) {
    expect(text).not.toContain(pg.password);
  }
}

describe('backup action end to end', () => {
  it('backs up to S3, checks the recovery point, verifies and restores it', async () => {
    const destination = 's3://ralph-backups/prod/db';
    const backup = await runAction('backup', {
      inputs: { 'database-url': sourceUrl, destination, paths: 'data', compression: 'zstd' },
      env: moto.env,
      cwd: workspace,
    });
    expect(backup.errors).toEqual([]);
    expect(backup.exitCode).toBe(0);
    expect(backup.outputs['backup-id']).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const id = backup.outputs['backup-id']!;
    expect(backup.outputs.location).toBe(`${destination}/${id}/`);
    expect(backup.outputs.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(backup.outputs['size-bytes'])).toBeGreaterThan(10_000);
    expect(Number(backup.outputs['duration-seconds'])).toBeGreaterThanOrEqual(0);
    expect(backup.summary).toContain(`backup: ${id}`);
    expect(backup.summary).toContain(backup.outputs.sha256);
    expect(backup.summary).toMatch(/MiB\/s/);
    const report = JSON.parse(await readFile(backup.outputs.report!, 'utf8'));
    expect(report.manifest.id).toBe(id);
    expect(report.manifest.objects).toHaveLength(2);
    expectNoSecret(backup);

    const check = await runAction('backup', { inputs: { mode: 'check', destination, 'max-age': '1h' }, env: moto.env });
    expect(check.exitCode).toBe(0);
    expect(check.outputs['backup-id']).toBe(id);
    expect(check.summary).toMatch(/newest complete backup .* old \(max-age 1h\)/);

    const stale = await runAction('backup', { inputs: { mode: 'check', destination, 'max-age': '0s' }, env: moto.env });
    expect(stale.exitCode).toBe(1);
    expect(stale.errors.at(-1)).toMatch(new RegExp(`^newest complete backup ${id} is .* old, older than max-age 0ms$`));

    const verify = await runAction('backup', {
      inputs: {
        mode: 'verify',
        destination,
        'database-url': sourceUrl,
        jobs: 2,
        'verify-sql': 'select count(*) = 5000 from audit.activity_log',
      },
      env: moto.env,
    });
    expect(verify.errors).toEqual([]);
    expect(verify.exitCode).toBe(0);
    expect(verify.outputs['backup-id']).toBe(id);
    expect(Number(verify.outputs['restore-seconds'])).toBeGreaterThan(0);
    expect(verify.summary).toContain(`verify: ${id} passed`);
    expect(verify.summary).toMatch(/recovery time/);
    expectNoSecret(verify);

    const restoreDir = await mkdtemp(join(tmpdir(), 'ralph-restored-'));
    const restore = await runAction('backup', {
      inputs: {
        mode: 'restore',
        destination,
        'target-database-url': pg.urlFor('restored'),
        'backup-id': id,
        'restore-dir': restoreDir,
      },
      env: moto.env,
    });
    expect(restore.errors).toEqual([]);
    expect(restore.exitCode).toBe(0);
    expect(await tableChecksums(pg, 'restored')).toEqual(expected);
    expect(await treeDigest(join(restoreDir, workspace.slice(1), 'data'))).toEqual(
      await treeDigest(join(workspace, 'data')),
    );
    expectNoSecret(restore);

    // restoring again into the now non-empty database is refused without clean
    const again = await runAction('backup', {
      inputs: { mode: 'restore', destination, 'target-database-url': pg.urlFor('restored') },
      env: moto.env,
    });
    expect(again.exitCode).toBe(1);
    expect(again.errors.at(-1)).toMatch(
      /target database postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/restored is not empty .* set clean: true/,
    );
    expect(again.log).not.toMatch(/\n\s+at /);
    expectNoSecret(again);
  }, 300_000);

  it("restores with offsets in the archive's table of contents and the chosen maintenance_work_mem", async () => {
    const destination = `file://${await mkdtemp(join(tmpdir(), 'ralph-store-'))}`;
    const backup = await runAction('backup', { inputs: { 'database-url': sourceUrl, destination } });
    expect(backup.exitCode).toBe(0);
    // A pg_restore that notes what it was given, then does the real work.
    const bin = await mkdtemp(join(tmpdir(), 'ralph-bin-'));
    const real = '/usr/lib/postgresql/15/bin/pg_restore';
    await writeFile(
      join(bin, 'pg_restore'),
      `#!/bin/bash\nif [ "$1" = "--version" ]; then exec ${real} --version; fi\nprintf '%s' "$PGOPTIONS" > ${bin}/pgoptions\ncp "\${@: -1}" ${bin}/archive\nexec ${real} "$@"\n`,
    );
    await chmod(join(bin, 'pg_restore'), 0o755);
    const restore = (target: string, extra: Record<string, string>) =>
      runAction('backup', {
        inputs: { mode: 'restore', destination, 'target-database-url': pg.urlFor(target), 'pg-bin-dir': bin, ...extra },
      });

    const r = await restore('offsets', { 'maintenance-work-mem': '96MB' });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(await readFile(join(bin, 'pgoptions'), 'utf8')).toBe('-c maintenance_work_mem=96MB');
    expect(await tableChecksums(pg, 'offsets')).toEqual(expected);
    // every table's data entry points at its block, as if pg_dump had written to a file
    const indexer = new DataOffsetIndexer();
    await pipeline(createReadStream(join(bin, 'archive')), indexer, new Writable({ write: (_c, _e, cb) => cb() }));
    const index = indexer.index();
    expect(index?.entries.length).toBeGreaterThanOrEqual(3);
    expect(index?.entries.every((e) => e.flag === 2)).toBe(true);

    const server = await restore('server-setting', { 'maintenance-work-mem': 'server' });
    expect(server.exitCode).toBe(0);
    expect(await readFile(join(bin, 'pgoptions'), 'utf8')).toBe('');

    const bad = await restore('never', { 'maintenance-work-mem': 'lots' });
    expect(bad.exitCode).toBe(1);
    expect(bad.errors).toEqual([
      `Input 'maintenance-work-mem': "lots" is not a PostgreSQL memory size (like 256MB or 1GB) or server`,
    ]);
    expect(bad.log).not.toMatch(/\n\s+at /);
    const exists = await pg.query(`select 1 from pg_database where datname = 'never'`);
    expect(exists.rowCount).toBe(0);
  }, 180_000);

  it('fails when pg_dump dies, leaving no manifest and no multipart upload', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'ralph-bin-'));
    const real = '/usr/lib/postgresql/15/bin/pg_dump';
    await writeFile(
      join(bin, 'pg_dump'),
      `#!/bin/bash\nif [ "$1" = "--version" ]; then exec ${real} --version; fi\n${real} "$@" | head -c 300000\nkill -9 $$\n`,
    );
    await chmod(join(bin, 'pg_dump'), 0o755);
    const r = await runAction('backup', {
      inputs: {
        'database-url': sourceUrl,
        destination: 's3://ralph-backups/killed',
        'pg-bin-dir': bin,
        compression: 'none',
      },
      env: moto.env,
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toMatch(/^backup \S+ failed: pg_dump was killed by SIGKILL/);
    expect(r.outputs['backup-id']).toBeUndefined();
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: 'ralph-backups', Prefix: 'killed/' }));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'ralph-backups', Prefix: 'killed/' }));
    s3.destroy();
    expect(objects.Contents ?? []).toEqual([]);
    expect(uploads.Uploads ?? []).toEqual([]);
    expectNoSecret(r);
  }, 120_000);

  it('prunes with dry-run listing what would go, then for real', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ralph-store-'));
    const destination = `file://${dir}`;
    for (let i = 0; i < 3; i++) {
      const b = await runAction('backup', { inputs: { 'database-url': sourceUrl, destination, compression: 'gzip' } });
      expect(b.exitCode).toBe(0);
    }
    const made = (await readdir(dir)).sort();
    const plan = await runAction('backup', {
      inputs: { mode: 'prune', destination, 'retention-days': 0, 'keep-last': 2, 'dry-run': true },
    });
    expect(plan.exitCode).toBe(0);
    expect(plan.summary).toContain('Would delete 1 of 3 backups');
    expect(plan.summary).toContain(made[0]);
    expect((await readdir(dir)).sort()).toEqual(made);
    const real = await runAction('backup', {
      inputs: { mode: 'prune', destination, 'retention-days': 0, 'keep-last': 2 },
    });
    expect(real.exitCode).toBe(0);
    expect(real.summary).toContain('Deleted 1 of 3 backups');
    expect((await readdir(dir)).sort()).toEqual(made.slice(1));
  }, 300_000);

  it.each([
    [
      { mode: 'backup', destination: 'file:///tmp/x', 'compression-level': '25' },
      /^Input 'compression-level': .*above the maximum 19/,
    ],
    [
      {
        mode: 'backup',
        destination: 'file:///tmp/x',
        compression: 'gzip',
        'compression-level': '12',
        'database-url': 'postgres://u:secretpw@127.0.0.1:1/x',
      },
      /^Input 'compression-level': 12 is outside gzip's range 1-9$/,
    ],
    [{ mode: 'backup', destination: 'file:///tmp/x' }, /^Input 'database-url': is required for mode backup/],
    [
      { mode: 'restore', destination: 'gs://bucket/x', 'target-database-url': 'postgres://u:secretpw@127.0.0.1:1/x' },
      /^Input 'destination': "gs:\/\/bucket\/x" must start with s3:\/\/ or file:\/\//,
    ],
    [{ mode: 'nonsense' }, /^Input 'mode': "nonsense" is not one of backup, restore, verify, prune, check/],
    [
      { mode: 'verify', 'backup-id': 'latest', 'database-url': 'postgres://u:secretpw@127.0.0.1:1/x' },
      /^Input 'backup-id': "latest" is not a backup id/,
    ],
  ])('rejects bad input %j with one line naming it', async (inputs, message) => {
    const r = await runAction('backup', { inputs });
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toMatch(message);
    expect(r.log).not.toMatch(/\n\s+at /);
    expect(r.log).not.toContain('secretpw');
  });
});
