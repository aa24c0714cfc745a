// Backup/restore benchmark: the guide's pipeline, the pg_dump floor and the backup action on one
// realistic database, in one run, printing ratios. Usage (from the repo root):
//   pnpm build backup && pnpm exec tsx bench/backup/run.ts [--size-gb 1.5] [--jobs 2]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres } from '../../test/harness/services.js';

const { values } = parseArgs({
  options: {
    'size-gb': { type: 'string', default: '1.5' },
    jobs: { type: 'string', default: '2' },
    level: { type: 'string' },
  },
});
const targetBytes = Number(values['size-gb']) * 1024 ** 3;
const jobs = Number(values.jobs);
const root = new URL('../..', import.meta.url).pathname;
const PG_BIN = '/usr/lib/postgresql/15/bin';

const ORCH_BATCH = `
insert into ralph.orchestrations (name, status, agent, config, state, result, created_at, updated_at)
select 'orchestration-' || g,
       (array['pending','running','completed','failed','cancelled'])[1 + g % 5],
       (array['claude','gemini','q','kiro'])[1 + g % 4],
       jsonb_build_object(
         'prompt_file', 'PROMPT-' || (g % 997) || '.md', 'max_iterations', 10 + g % 90, 'max_runtime', 14400,
         'checkpoint_interval', 5, 'retry_delay', 2, 'tools', jsonb_build_array('git', 'shell', 'web', 'editor'),
         'limits', jsonb_build_object('tokens', 1000000 + g % 50000, 'cost_usd', round((g % 1000) / 7.0, 2)),
         'prompt', md5(g::text) || ' ' || repeat('implement the next task from the plan and commit ', (1 + g % 4)::int)),
       jsonb_build_object(
         'iteration', g % 100, 'checkpoint', md5((g * 3)::text), 'last_error', case when g % 7 = 0 then 'timeout after ' || g % 300 || 's' end,
         'history', (select jsonb_agg(jsonb_build_object('i', i, 'tokens', (g * i) % 9000, 'sha', substr(md5((g + i)::text), 1, 12))) from generate_series(1, (1 + g % 6)::int) i)),
       case when g % 5 in (2, 3) then jsonb_build_object('exit_code', g % 2, 'summary', 'completed ' || (g % 40) || ' tasks; ' || md5((g * 7)::text), 'cost_usd', round((g % 500) / 3.0, 2)) end,
       timestamptz '2026-01-01' + (g || ' seconds')::interval,
       timestamptz '2026-01-01' + (g || ' seconds')::interval + ((g % 3600) || ' seconds')::interval
from generate_series($1::bigint, $2::bigint) g`;

const AUDIT_BATCH = `
insert into audit.activity_log (user_id, action, resource_type, resource_id, details, ip_address, user_agent, created_at)
select 'user-' || (g % 5003),
       (array['orchestration.create','orchestration.start','orchestration.stop','config.update','auth.login','api.call'])[1 + g % 6],
       (array['orchestration','config','session','api_key'])[1 + g % 4],
       md5((g % 100000)::text)::uuid,
       jsonb_build_object('request_id', md5(g::text)::uuid, 'path', '/api/v1/orchestrations/' || (g % 100000), 'method', (array['GET','POST','PUT','DELETE'])[1 + g % 4],
                          'status', (array[200,200,200,201,204,400,404,500])[1 + g % 8], 'latency_ms', g % 1500,
                          'changes', case when g % 3 = 0 then jsonb_build_object('before', jsonb_build_object('status', 'running'), 'after', jsonb_build_object('status', 'completed')) end),
       ('10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || (g % 251))::inet,
       'ralph-cli/1.' || (g % 20) || ' (linux; node ' || (18 + g % 6) || ')',
       timestamptz '2026-01-01' + (g || ' seconds')::interval
from generate_series($1::bigint, $2::bigint) g`;

const SCHEMA = `
create schema ralph; create schema audit;
create table ralph.orchestrations (id bigserial primary key, name text not null, status text not null, agent text not null,
  config jsonb not null, state jsonb not null, result jsonb, created_at timestamptz not null, updated_at timestamptz not null);
create table audit.activity_log (id bigserial primary key, user_id text not null, action text not null, resource_type text not null,
  resource_id uuid, details jsonb not null, ip_address inet, user_agent text, created_at timestamptz not null);`;
const INDEXES = `
create index on ralph.orchestrations (status, created_at); create index on ralph.orchestrations (agent);
create index on audit.activity_log (created_at); create index on audit.activity_log (user_id, created_at);`;

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
      pg.query(ORCH_BATCH, [next, next + n - 1], 'bench'),
      pg.query(AUDIT_BATCH, [next * 2, next * 2 + 2 * n - 1], 'bench'),
    ]);
    next += n;
  };
  // Data first, indexes last (as a restore does). Batches until the heap reaches ~80 % of the
  // target (the indexes make up the rest), re-measuring as it grows.
  await batch(20_000);
  for (let i = 0; i < 1000; i++) {
    const now = await size();
    if (now >= targetBytes * 0.8) break;
    const perRow = now / (next - 1);
    await batch(Math.max(1000, Math.min(200_000, Math.ceil((targetBytes * 0.8 - now) / perRow))));
  }
  await pg.query(INDEXES, [], 'bench');
  await pg.query('vacuum analyze', [], 'bench');
  const dbBytes = await size();
  console.log(
    `database: ${(dbBytes / 1024 ** 3).toFixed(2)} GiB, ${next - 1} orchestrations + ${2 * (next - 1)} audit rows, built in ${secs(performance.now() - t0)}`,
  );

  const pwEnv = { PGPASSWORD: pg.password };
  const conn = `-h 127.0.0.1 -p ${pg.port} -U postgres -d bench`;
  // warm the cache once so the first contender is not penalised
  await sh(`${PG_BIN}/pg_dump ${conn} > /dev/null`, pwEnv);

  // --- backups ---------------------------------------------------------------------------
  const floor = await sh(`${PG_BIN}/pg_dump ${conn} > /dev/null`, pwEnv);
  const guide = await sh(`${PG_BIN}/pg_dump ${conn} | gzip > ${work}/db.sql.gz`, pwEnv);
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
  for (const f of ['out-backup', 'summary-backup', 'out-verify', 'summary-verify']) writeFileSync(join(work, f), '');
  const action = await timed(process.execPath, [join(root, 'dist/backup/index.js')], actionEnv);
  const stored = readFileSync(join(work, 'out-backup'), 'utf8');
  const storedBytes = Number(
    /size-bytes<<(\S+)\n(\d+)/.exec(stored)?.[2] ?? /size-bytes=(\d+)/.exec(stored)?.[1] ?? NaN,
  );

  // --- restores --------------------------------------------------------------------------
  await sh(`${PG_BIN}/pg_dump -Fc ${conn} -f ${work}/db.custom`, pwEnv);
  await pg.query('create database baseline_restore');
  const baseline = await sh(
    `${PG_BIN}/pg_restore -j${jobs} -h 127.0.0.1 -p ${pg.port} -U postgres -d baseline_restore ${work}/db.custom`,
    pwEnv,
  );
  await pg.query('drop database baseline_restore');
  const verify = await timed(process.execPath, [join(root, 'dist/backup/index.js')], {
    ...actionEnv,
    INPUT_MODE: 'verify',
    INPUT_JOBS: String(jobs),
    'INPUT_VERIFY-SQL': 'select count(*) > 0 from ralph.orchestrations',
    GITHUB_OUTPUT: join(work, 'out-verify'),
    GITHUB_STEP_SUMMARY: join(work, 'summary-verify'),
  });
  const vout = readFileSync(join(work, 'out-verify'), 'utf8');
  const restoreSeconds = Number(/restore-seconds<<(\S+)\n([\d.]+)/.exec(vout)?.[2] ?? NaN);
  const restoreMs = restoreSeconds * 1000;

  // --- report ----------------------------------------------------------------------------
  const gz = statSync(join(work, 'db.sql.gz')).size;
  const fc = statSync(join(work, 'db.custom')).size;
  const rows: Array<[string, string, string]> = [
    ['(b) pg_dump > /dev/null (floor)', secs(floor.ms), '-'],
    ['(a) guide: pg_dump | gzip > file', secs(guide.ms), `${(gz / 1024 ** 2).toFixed(0)} MiB`],
    [
      `(c) backup action -> file:// (zstd ${values.level ?? 'default 1'})`,
      secs(action.ms),
      `${(storedBytes / 1024 ** 2).toFixed(0)} MiB`,
    ],
    [`(d) pg_restore -j${jobs} of pg_dump -Fc`, secs(baseline.ms), `${(fc / 1024 ** 2).toFixed(0)} MiB dump`],
    [`(c) action verify: restore (fetch+sha256+zstd -d+pg_restore -j${jobs})`, secs(restoreMs), '-'],
    ['(c) action verify: whole run (restore + checks + drop)', secs(verify.ms), '-'],
  ];
  for (const [a, b, c] of rows) console.log(`${a.padEnd(72)} ${b.padStart(8)}  ${c}`);
  const backupVsFloor = action.ms / floor.ms;
  const guideVsAction = guide.ms / action.ms;
  const rssMb = (action.peakRssKb ?? 0) / 1024;
  const restoreVsBaseline = restoreMs / baseline.ms;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  console.log(
    `backup / floor        = ${backupVsFloor.toFixed(2)}x   (target <= 1.3)  ${verdict(backupVsFloor <= 1.3)}`,
  );
  console.log(`guide / backup        = ${guideVsAction.toFixed(2)}x   (target >= 3)    ${verdict(guideVsAction >= 3)}`);
  console.log(
    `action peak RSS       = ${rssMb.toFixed(0)} MB    (target < 256)   ${verdict(rssMb < 256)}  (verify run: ${((verify.peakRssKb ?? 0) / 1024).toFixed(0)} MB)`,
  );
  console.log(
    `restore / pg_restore  = ${restoreVsBaseline.toFixed(2)}x   (target <= 1.2)  ${verdict(restoreVsBaseline <= 1.2)}`,
  );
} finally {
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}
