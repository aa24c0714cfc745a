import { describe, expect, it } from '@jest/globals';
import { mkdtemp, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../packages/common/src/index.js';
import { listCatalog, openStore, runCheck, runPrune, type BackupStore } from '../../packages/backup/src/index.js';
import { craftBackup } from './helpers/craft.js';

const now = new Date('2026-06-30T12:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * 86_400_000);
const policy = { retentionDays: 30, keepLast: 1, incompleteGraceMs: 86_400_000 };

async function store(): Promise<{ store: BackupStore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ralph-prune-'));
  return { store: openStore(`file://${dir}`), dir };
}
const ids = async (s: BackupStore) => (await listCatalog(s)).map((e) => e.id).sort();

/** Makes an object's files look untouched since `t` (incomplete backups age by their mtime). */
async function age(dir: string, id: string, t: Date): Promise<void> {
  await utimes(join(dir, id, 'database.dump'), t, t);
}

describe('prune', () => {
  it('deletes only complete backups past retention, never the newest, and reports what went', async () => {
    const { store: s } = await store();
    const fresh = await craftBackup(s, ago(1));
    const month = await craftBackup(s, ago(29));
    const old1 = await craftBackup(s, ago(31));
    const old2 = await craftBackup(s, ago(90));
    const r = await runPrune(s, policy, { dryRun: false, log: memoryLogger(), now });
    expect(
      r.decisions
        .filter((d) => d.action === 'delete')
        .map((d) => d.id)
        .sort(),
    ).toEqual([old1, old2].sort());
    expect(await ids(s)).toEqual([month, fresh].sort());
    expect(r.deletedBytes).toBeGreaterThan(0);
  });

  it('keeps the newest complete backup when everything is old, and keep-last more than the count keeps all', async () => {
    const { store: s } = await store();
    const a = await craftBackup(s, ago(100));
    const b = await craftBackup(s, ago(200));
    const c = await craftBackup(s, ago(300));
    await runPrune(s, { ...policy, keepLast: 5 }, { dryRun: false, log: memoryLogger(), now });
    expect(await ids(s)).toEqual([a, b, c].sort());
    await runPrune(s, { ...policy, keepLast: 2 }, { dryRun: false, log: memoryLogger(), now });
    expect(await ids(s)).toEqual([a, b].sort());
    await runPrune(s, policy, { dryRun: false, log: memoryLogger(), now });
    expect(await ids(s)).toEqual([a]);
  });

  it('never trusts incomplete backups: they do not protect older ones and go as debris only after the grace period', async () => {
    const { store: s, dir } = await store();
    const good = await craftBackup(s, ago(40));
    const older = await craftBackup(s, ago(50));
    const running = await craftBackup(s, ago(0.01), false); // newer than every complete one, may be running
    const debris = await craftBackup(s, ago(3), false);
    await age(dir, debris, ago(3));
    // a broken "complete" backup: manifest present but its object is missing
    const broken = await craftBackup(s, ago(0.5));
    await s.remove([`${broken}/database.dump`]);
    const r = await runPrune(s, policy, { dryRun: false, log: memoryLogger(), now });
    const byId = Object.fromEntries(r.decisions.map((d) => [d.id, d]));
    expect(byId[good]).toMatchObject({ action: 'keep', reason: 'newest complete backup' });
    expect(byId[older]).toMatchObject({ action: 'delete' });
    expect(byId[running]).toMatchObject({ action: 'keep', complete: false });
    expect(byId[debris]).toMatchObject({ action: 'delete', complete: false });
    expect(byId[broken]).toMatchObject({ complete: false, action: 'keep' });
    expect(await ids(s)).toEqual([good, running, broken].sort());
  });

  it('dry-run lists what would go and deletes nothing', async () => {
    const { store: s } = await store();
    await craftBackup(s, ago(1));
    const old = await craftBackup(s, ago(60));
    const before = await ids(s);
    const r = await runPrune(s, policy, { dryRun: true, log: memoryLogger(), now });
    expect(r.decisions.filter((d) => d.action === 'delete').map((d) => d.id)).toEqual([old]);
    expect(await ids(s)).toEqual(before);
  });

  it('leaves folders it did not create alone', async () => {
    const { store: s, dir } = await store();
    await mkdir(join(dir, 'db'));
    await writeFile(join(dir, 'db', 'db_20200101_000000.sql.gz'), 'x');
    await craftBackup(s, ago(1));
    const r = await runPrune(s, { ...policy, retentionDays: 0 }, { dryRun: false, log: memoryLogger(), now });
    expect(r.decisions).toHaveLength(1);
    expect((await s.list()).map((o) => o.key)).toContain('db/db_20200101_000000.sql.gz');
  });
});

describe('check', () => {
  it('passes when the newest complete backup is younger than max-age and fails saying how old it is', async () => {
    const { store: s } = await store();
    await craftBackup(s, ago(5));
    const newest = await craftBackup(s, new Date(now.getTime() - 40 * 60_000));
    await craftBackup(s, new Date(now.getTime() - 60_000), false); // incomplete: does not count
    const ok = await runCheck(s, 3_600_000, { log: memoryLogger(), now });
    expect(ok).toMatchObject({ ok: true, ageMs: 40 * 60_000 });
    expect(ok.newest?.manifest.id).toBe(newest);
    const stale = await runCheck(s, 30 * 60_000, { log: memoryLogger(), now });
    expect(stale.ok).toBe(false);
    expect(stale.message).toBe(`newest complete backup ${newest} is 40m old, older than max-age 30m`);
  });

  it('fails when there is no complete backup', async () => {
    const { store: s } = await store();
    await craftBackup(s, ago(0), false);
    const r = await runCheck(s, 3_600_000, { log: memoryLogger(), now });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^no complete backup in file:\/\//);
  });
});
