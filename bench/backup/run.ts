// Backup/restore benchmark: the guide's pipeline, the pg_dump floor and the backup action on one
// realistic database, in one run, printing ratios. Usage (from the repo root):
//   pnpm build backup && pnpm exec tsx bench/backup/run.ts [--size-gb 1.5] [--jobs 2] [--rounds 4]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres } from '../../test/harness/services.js';
import { AUDIT_BATCH, INDEXES, ORCHESTRATIONS_BATCH, SCHEMA } from './dataset.js';

const { values } = parseArgs({
  options: {
    'size-gb': { type: 'string', default: '1.5' },
    jobs: { type: 'string', default: '2' },
    level: { type: 'string' },
    rounds: { type: 'string', default: '4' },
  },
});
const targetBytes = Number(values['size-gb']) * 1e9;
const jobs = Number(values.jobs);
const rounds = Math.max(1, Math.min(10, Number(values.rounds)));
const root = new URL('../..', import.meta.url).pathname;
const PG_BIN = '/usr/lib/postgresql/15/bin';

interface Timed {
  ms: number;
  peakRssKb?: number;
  stdout: string;
}

/** Runs a command, timing it and sampling the peak RSS (VmHWM) of the process itself. */
function timed(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const sampler = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 50);
    child.on('close', (code) => {
      clearInterval(sampler);
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}\n${stdout.slice(-3000)}`));
      else resolve({ ms, peakRssKb: peak, stdout });
    });
  });
}

const sh = (script: string, env: Record<string, string> = {}) =>
  timed('bash', ['-c', `set -euo pipefail; ${script}`], env);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

const pg = await startPostgres();
const work = mkdtempSync(join(tmpdir(), 'ralph-bench-backup-'));
try {
  // --- build the database ---------------------------------------------------------------
  const t0 = performance.now();
  const url = await pg.createDatabase('bench');
  await pg.query(SCHEMA, [], 'bench');
  const size = async () =>
    Number((await pg.query<{ s: string }>(`select pg_database_size('bench')::text as s`, [], 'bench')).rows[0]!.s);
  let next = 1;
  const batch = async (n: number) => {
    await Promise.all([
      pg.query(ORCHESTRATIONS_BATCH, [next, next + n - 1], 'bench'),
      pg.query(AUDIT_BATCH, [next * 2, next * 2 + 2 * n - 1], 'bench'),
    ]);
    next += n;
  };
  // Grows towards `goal` in batches sized from the bytes per row so far (bounded: 1000 rounds).
  const growTo = async (goal: number) => {
    for (let i = 0; i < 1000; i++) {
      const now = await size();
      if (now >= goal) return;
      const perRow = now / Math.max(1, next - 1);
      await batch(Math.max(1000, Math.min(100_000, Math.ceil((goal - now) / perRow))));
    }
  };
  // Data first, indexes after (as a restore does) at ~85 % of the target, then rows with the
  // indexes in place until the whole database reaches the target.
  await batch(20_000);
  await growTo(targetBytes * 0.85);
  await pg.query(INDEXES, [], 'bench');
  await growTo(targetBytes);
  await pg.query('vacuum analyze', [], 'bench');
  const dbBytes = await size();
  console.log(
    `database: ${(dbBytes / 1e9).toFixed(2)} GB, ${next - 1} orchestrations + ${2 * (next - 1)} audit rows, built in ${secs(performance.now() - t0)}`,
  );

  const pwEnv = { PGPASSWORD: pg.password };
  const conn = `-h 127.0.0.1 -p ${pg.port} -U postgres -d bench`;
  // One dump first warms the cache (so the first contender is not penalised) and sizes the plain dump.
  const plainBytes = Number((await sh(`${PG_BIN}/pg_dump ${conn} | wc -c`, pwEnv)).stdout.trim());

  const dest = join(work, 'store');
  mkdirSync(dest);
  const actionEnv = {
    INPUT_MODE: 'backup',
    'INPUT_DATABASE-URL': url,
    INPUT_DESTINATION: `file://${dest}`,
    GITHUB_OUTPUT: join(work, 'out-backup'),
    GITHUB_STEP_SUMMARY: join(work, 'summary-backup'),
    RUNNER_TEMP: work,
    GITHUB_WORKSPACE: work,
    ...(values.level ? { 'INPUT_COMPRESSION-LEVEL': values.level } : {}),
  };
  await sh(`${PG_BIN}/pg_dump -Fc ${conn} -f ${work}/db.custom`, pwEnv);

  // Contenders take turns, round after round, so a slow spell of the machine hits them all; the
  // medians are compared.
  const m: Record<'floor' | 'guide' | 'action' | 'baseline' | 'restore' | 'fetch' | 'pgRestore' | 'verify', number[]> =
    { floor: [], guide: [], action: [], baseline: [], restore: [], fetch: [], pgRestore: [], verify: [] };
  let peakRssKb = 0;
  let verifyRssKb = 0;
  let storedBytes = NaN;
  const backupStep = async (): Promise<void> => {
    for (const f of ['out-backup', 'summary-backup']) writeFileSync(join(work, f), '');
    const action = await timed(process.execPath, [join(root, 'dist/backup/index.js')], actionEnv);
    m.action.push(action.ms);
    peakRssKb = Math.max(peakRssKb, action.peakRssKb ?? 0);
    storedBytes = Number(/size-bytes<<(\S+)\n(\d+)/.exec(readFileSync(join(work, 'out-backup'), 'utf8'))?.[2] ?? NaN);
  };
  const baselineStep = async (): Promise<void> => {
    await pg.query('create database baseline_restore');
    const cmd = `${PG_BIN}/pg_restore -j${jobs} -h 127.0.0.1 -p ${pg.port} -U postgres -d baseline_restore ${work}/db.custom`;
    m.baseline.push((await sh(cmd, pwEnv)).ms);
    await pg.query('drop database baseline_restore');
  };
  let overlapped = false;
  const verifyStep = async (): Promise<void> => {
    for (const f of ['out-verify', 'summary-verify']) writeFileSync(join(work, f), '');
    // verify restores the newest backup
    const verify = await timed(process.execPath, [join(root, 'dist/backup/index.js')], {
      ...actionEnv,
      INPUT_MODE: 'verify',
      INPUT_JOBS: String(jobs),
      'INPUT_VERIFY-SQL': 'select count(*) > 0 from ralph.orchestrations',
      GITHUB_OUTPUT: join(work, 'out-verify'),
      GITHUB_STEP_SUMMARY: join(work, 'summary-verify'),
    });
    m.verify.push(verify.ms);
    verifyRssKb = Math.max(verifyRssKb, verify.peakRssKb ?? 0);
    const vout = readFileSync(join(work, 'out-verify'), 'utf8');
    const report = JSON.parse(readFileSync(/report<<(\S+)\n(.+)/.exec(vout)?.[2] ?? '', 'utf8')) as {
      restore: { fetchMs: number; pgRestoreMs: number; totalMs: number; overlapped?: boolean };
    };
    overlapped = report.restore.overlapped === true;
    m.restore.push(report.restore.totalMs);
    m.fetch.push(report.restore.fetchMs);
    m.pgRestore.push(report.restore.pgRestoreMs);
  };
  const backups: Array<() => Promise<void>> = [
    async () => void m.floor.push((await sh(`${PG_BIN}/pg_dump ${conn} > /dev/null`, pwEnv)).ms),
    async () => void m.guide.push((await sh(`${PG_BIN}/pg_dump ${conn} | gzip > ${work}/db.sql.gz`, pwEnv)).ms),
    backupStep,
  ];
  const restores = [baselineStep, verifyStep];
  for (let round = 1; round <= rounds; round++) {
    // Each round starts with a different contender, so none always follows the same neighbour
    // (the previous step's page cache and writeback are part of the machine's state).
    for (let k = 0; k < backups.length; k++) await backups[(k + round - 1) % backups.length]!();
    for (let k = 0; k < restores.length; k++) await restores[(k + round - 1) % restores.length]!();
    console.log(
      `round ${round}: floor ${secs(m.floor.at(-1)!)}, guide ${secs(m.guide.at(-1)!)}, backup ${secs(m.action.at(-1)!)}, pg_restore ${secs(m.baseline.at(-1)!)}, action restore ${secs(m.restore.at(-1)!)} (fetch ${secs(m.fetch.at(-1)!)}, database ${secs(m.pgRestore.at(-1)!)}${overlapped ? ', overlapped' : ''})`,
    );
  }

  // --- report ----------------------------------------------------------------------------
  const med = (xs: number[]) => {
    const v = [...xs].sort((x, y) => x - y);
    const h = Math.floor(v.length / 2);
    return v.length % 2 ? (v[h] as number) : ((v[h - 1] as number) + (v[h] as number)) / 2;
  };
  const gz = statSync(join(work, 'db.sql.gz')).size;
  const fc = statSync(join(work, 'db.custom')).size;
  console.log(`medians of ${rounds} rounds:`);
  const rows: Array<[string, string, string]> = [
    ['(b) pg_dump > /dev/null (floor)', secs(med(m.floor)), '-'],
    [
      '(a) guide: pg_dump | gzip > file',
      secs(med(m.guide)),
      `${(gz / 1024 ** 2).toFixed(0)} MiB (plain dump ${(plainBytes / 1024 ** 2).toFixed(0)} MiB, gzip ${(plainBytes / gz).toFixed(1)}x)`,
    ],
    [
      `(c) backup action -> file:// (zstd ${values.level ?? 'default 1'})`,
      secs(med(m.action)),
      `${(storedBytes / 1024 ** 2).toFixed(0)} MiB`,
    ],
    [`(d) pg_restore -j${jobs} of pg_dump -Fc`, secs(med(m.baseline)), `${(fc / 1024 ** 2).toFixed(0)} MiB dump`],
    [
      overlapped
        ? `(c) action verify: restore (database restored as the archive is fetched)`
        : `(c) action verify: restore (fetch+sha256+zstd -d, then pg_restore -j${jobs})`,
      secs(med(m.restore)),
      `fetch ${secs(med(m.fetch))}, database ${secs(med(m.pgRestore))}${overlapped ? ' (overlapping)' : ''}`,
    ],
    ['(c) action verify: whole run (restore + checks + drop)', secs(med(m.verify)), '-'],
  ];
  for (const [a, b, c] of rows) console.log(`${a.padEnd(72)} ${b.padStart(8)}  ${c}`);
  const backupVsFloor = med(m.action) / med(m.floor);
  const guideVsAction = med(m.guide) / med(m.action);
  const rssMb = peakRssKb / 1024;
  const restoreVsBaseline = med(m.restore) / med(m.baseline);
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  console.log(
    `backup / floor        = ${backupVsFloor.toFixed(2)}x   (target <= 1.3)  ${verdict(backupVsFloor <= 1.3)}`,
  );
  console.log(`guide / backup        = ${guideVsAction.toFixed(2)}x   (target >= 3)    ${verdict(guideVsAction >= 3)}`);
  console.log(
    `action peak RSS       = ${rssMb.toFixed(0)} MB    (target < 256)   ${verdict(rssMb < 256)}  (verify run: ${(verifyRssKb / 1024).toFixed(0)} MB)`,
  );
  console.log(
    `restore / pg_restore  = ${restoreVsBaseline.toFixed(2)}x   (target <= 1.2)  ${verdict(restoreVsBaseline <= 1.2)}`,
  );
} finally {
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}
