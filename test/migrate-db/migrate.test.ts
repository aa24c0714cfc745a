import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAction } from '../harness/run-action.js';
import { startPostgres, type PostgresService } from '../harness/services.js';
import { freshDatabase, historyRows, migrateDb, workspace, assertNoLeak } from './helpers.js';

let pg: PostgresService;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const EXAMPLE_COUNT = 8; // V1..V7 and R__app_role_grants

describe('migrate-db against PostgreSQL 15', () => {
  it('applies every example migration to a fresh database, then nothing; plan changes nothing', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace();

    const plan = await migrateDb(pg, ws, { 'database-url': db.url, command: 'plan' });
    expect(plan.exitCode).toBe(0);
    expect(plan.outputs).toMatchObject({ applied: '0', pending: String(EXAMPLE_COUNT), 'current-version': '' });
    expect(plan.summary).toContain(`Plan: ${EXAMPLE_COUNT} migrations would run`);
    expect(plan.summary).toContain('V6 orchestrations composite index');
    // plan changed nothing: not even the history table exists.
    const tables = await pg.query(
      `SELECT to_regclass('public.ralph_migrations') AS h, to_regclass('ralph.orchestrations') AS o`,
      [],
      db.name,
    );
    expect(tables.rows[0]).toEqual({ h: null, o: null });

    const first = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({ applied: String(EXAMPLE_COUNT), pending: '0', 'current-version': '7' });
    expect(first.summary).toContain(`Applied ${EXAMPLE_COUNT} migrations`);
    expect(first.summary).toMatch(
      /V6 orchestrations composite index \| `db\/migrations\/V6__orchestrations_composite_index\.sql` \| none \(statement by statement\) \| \d+(ms|s)/,
    );
    const rows = await historyRows(pg, db.name);
    expect(rows.map((r) => r.version ?? r.script)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      'R__app_role_grants.sql',
    ]);
    expect(
      rows.every(
        (r) =>
          r.success &&
          r.applied_by === 'octo-deployer' &&
          r.run_id === '4242' &&
          r.commit_sha.startsWith('0123456789abcdef'),
      ),
    ).toBe(true);
    expect(rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    const idx = await pg.query<{ indisvalid: boolean }>(
      `SELECT indisvalid FROM pg_index WHERE indexrelid = 'ralph.idx_orchestrations_composite'::regclass`,
      [],
      db.name,
    );
    expect(idx.rows[0]?.indisvalid).toBe(true);
    const part = await pg.query<{ relkind: string }>(
      `SELECT relkind::text FROM pg_class WHERE oid = 'audit.activity_log'::regclass`,
      [],
      db.name,
    );
    expect(part.rows[0]?.relkind).toBe('p');

    const report = JSON.parse(readFileSync(first.outputs.report as string, 'utf8')) as {
      applied: { label: string; durationMs: number }[];
      database: string;
    };
    expect(report.applied).toHaveLength(EXAMPLE_COUNT);
    expect(report.database).toContain('***');

    const second = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(second.exitCode).toBe(0);
    expect(second.outputs).toMatchObject({ applied: '0', pending: '0', 'current-version': '7' });
    expect(await historyRows(pg, db.name)).toHaveLength(EXAMPLE_COUNT);

    const plan2 = await migrateDb(pg, ws, { 'database-url': db.url, command: 'plan' });
    expect(plan2.outputs).toMatchObject({ applied: '0', pending: '0', 'current-version': '7' });

    const status = await migrateDb(pg, ws, { 'database-url': db.url, command: 'status' });
    expect(status.exitCode).toBe(0);
    expect(status.summary).toContain('| V3 orchestrations | `V3__orchestrations.sql` | applied |');

    // dry-run migrate is a plan.
    appendFileSync(join(ws.migrations, 'V8__more.sql'), 'CREATE TABLE ralph.more (id int);\n');
    const dry = await migrateDb(pg, ws, { 'database-url': db.url, 'dry-run': true });
    expect(dry.exitCode).toBe(0);
    expect(dry.outputs).toMatchObject({ applied: '0', pending: '1' });
    expect((await pg.query(`SELECT to_regclass('ralph.more') AS t`, [], db.name)).rows[0]).toEqual({ t: null });
  });

  it('fails naming the file when an applied file changed, disappeared, or a new one is out of order', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace();
    expect((await migrateDb(pg, ws, { 'database-url': db.url })).exitCode).toBe(0);

    const v3 = join(ws.migrations, 'V3__orchestrations.sql');
    const original = readFileSync(v3, 'utf8');
    writeFileSync(v3, `${original}\nCREATE INDEX idx_more ON ralph.orchestrations (completed_at);\n`);
    writeFileSync(join(ws.migrations, 'V8__next.sql'), 'CREATE TABLE ralph.next (id int);\n');
    const changed = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(changed.exitCode).toBe(1);
    expect(changed.errors.join('\n')).toMatch(
      /db\/migrations\/V3__orchestrations\.sql changed after it was applied as version 3/,
    );
    expect(
      changed.annotations.some((a) => a.file === 'db/migrations/V3__orchestrations.sql' && a.level === 'error'),
    ).toBe(true);
    expect((await pg.query(`SELECT to_regclass('ralph.next') AS t`, [], db.name)).rows[0]).toEqual({ t: null });
    // repair accepts the new checksum (it does not run the file again); then V8 applies.
    const repaired = await migrateDb(pg, ws, { 'database-url': db.url, command: 'repair' });
    expect(repaired.exitCode).toBe(0);
    expect(repaired.summary).toContain('| realigned checksum | `V3__orchestrations.sql` |');
    const afterRepair = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(afterRepair.exitCode).toBe(0);
    expect(afterRepair.outputs).toMatchObject({ applied: '1', 'current-version': '8' });

    const v5 = join(ws.migrations, 'V5__audit_activity_log_partitions.sql');
    const v5text = readFileSync(v5, 'utf8');
    rmSync(v5);
    const missing = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors.join('\n')).toMatch(
      /V5__audit_activity_log_partitions\.sql \(version 5, applied .*\) is missing/,
    );
    writeFileSync(v5, v5text);

    writeFileSync(join(ws.migrations, 'V4.5__late.sql'), 'CREATE TABLE ralph.late (id int);\n');
    const ooo = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(ooo.exitCode).toBe(1);
    expect(ooo.errors.join('\n')).toMatch(
      /db\/migrations\/V4\.5__late\.sql \(version 4\.5\) is older than the newest applied version 8/,
    );
    const allowed = await migrateDb(pg, ws, { 'database-url': db.url, 'allow-out-of-order': true });
    expect(allowed.exitCode).toBe(0);
    expect(allowed.outputs).toMatchObject({ applied: '1', 'current-version': '8' });
  });

  it('five runners started at once apply each migration exactly once and all exit 0', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace();
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => migrateDb(pg, ws, { 'database-url': db.url, 'lock-wait-timeout': '2m' })),
    );
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0, 0, 0]);
    expect(runs.map((r) => Number(r.outputs.applied)).reduce((a, b) => a + b, 0)).toBe(EXAMPLE_COUNT);
    expect(runs.every((r) => r.outputs['current-version'] === '7')).toBe(true);
    const rows = await historyRows(pg, db.name);
    expect(rows).toHaveLength(EXAMPLE_COUNT);
    expect(new Set(rows.map((r) => r.script)).size).toBe(EXAMPLE_COUNT);
  });

  it('rolls a migration that fails mid-file back completely and points at the failing line', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace({
      'V1__a.sql': 'CREATE TABLE a (id int);\n',
      'V2__b.sql':
        "CREATE TABLE b (id int);\nINSERT INTO a VALUES (1);\n\nSELECT 'x' || (1 / 0);\nCREATE TABLE c (id int);\n",
    });
    const r = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(r.exitCode).toBe(1);
    expect(r.errors.join('\n')).toMatch(
      /db\/migrations\/V2__b\.sql:4: V2 b failed at statement 3: division by zero \[SQLSTATE 22012\]\. The migration was rolled back completely/,
    );
    expect(r.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: 'db/migrations/V2__b.sql', line: 4, level: 'error' })]),
    );
    expect(r.outputs).toMatchObject({ applied: '1', pending: '1', 'current-version': '1' });
    const t = await pg.query(
      `SELECT to_regclass('public.b') AS b, (SELECT count(*)::int FROM a) AS a_rows`,
      [],
      db.name,
    );
    expect(t.rows[0]).toEqual({ b: null, a_rows: 0 });
    expect((await historyRows(pg, db.name)).map((x) => x.version)).toEqual(['1']);
  });

  it('a failing non-transactional migration leaves a dirty state that blocks until repair', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace({
      'V1__t.sql': 'CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (1);\n',
      'V2__unique_x.sql': 'CREATE UNIQUE INDEX CONCURRENTLY t_x_key ON t (x);\n',
    });
    const failed = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(failed.exitCode).toBe(1);
    expect(failed.errors.join('\n')).toMatch(
      /V2__unique_x\.sql:1: V2 unique x failed at statement 1: could not create unique index "t_x_key".*history is now dirty/,
    );
    const rows = await historyRows(pg, db.name);
    expect(rows.map((x) => [x.version, x.success])).toEqual([
      ['1', true],
      ['2', false],
    ]);

    const blocked = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(blocked.exitCode).toBe(1);
    const msg = blocked.errors.join('\n');
    expect(msg).toMatch(/is dirty/);
    expect(msg).toMatch(/db\/migrations\/V2__unique_x\.sql failed/);
    expect(msg).toContain("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('t_x_key')");
    expect(msg).toContain('DROP INDEX CONCURRENTLY IF EXISTS t_x_key');
    expect(msg).toContain('command: repair');

    // Do what the message says, then repair and migrate.
    await pg.query('DROP INDEX CONCURRENTLY IF EXISTS t_x_key', [], db.name);
    await pg.query('DELETE FROM t WHERE ctid NOT IN (SELECT min(ctid) FROM t GROUP BY x)', [], db.name);
    const repair = await migrateDb(pg, ws, { 'database-url': db.url, command: 'repair' });
    expect(repair.exitCode).toBe(0);
    expect(repair.summary).toContain('removed failed entry');
    const ok = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(ok.exitCode).toBe(0);
    expect(ok.outputs).toMatchObject({ applied: '1', 'current-version': '2' });
  });

  it('fails after lock-timeout instead of hanging behind another session, and succeeds on a retry once it is released', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace({ 'V1__t.sql': 'CREATE TABLE t (x int);\n' });
    expect((await migrateDb(pg, ws, { 'database-url': db.url })).exitCode).toBe(0);
    writeFileSync(join(ws.migrations, 'V2__add_y.sql'), 'ALTER TABLE t ADD COLUMN y int;\n');

    const { default: pgLib } = await import('pg');
    const holder = new pgLib.Client({ connectionString: db.url, application_name: 'long-report' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE t IN ACCESS SHARE MODE');

      const failed = await migrateDb(pg, ws, { 'database-url': db.url, 'lock-timeout': '300ms', 'lock-retries': 1 });
      expect(failed.exitCode).toBe(1);
      expect(failed.errors.join('\n')).toMatch(
        /V2__add_y\.sql:1: V2 add y failed at statement 1: canceling statement due to lock timeout \[SQLSTATE 55P03\]: could not get a lock within lock-timeout 300ms in 2 attempts/,
      );
      expect(failed.log).toMatch(/V2 add y failed \(attempt 1\/2\).*retrying in/);
      expect((await historyRows(pg, db.name)).map((x) => x.version)).toEqual(['1']);

      // Release the lock only once the runner has been seen waiting twice (so a retry must happen).
      const run = migrateDb(pg, ws, { 'database-url': db.url, 'lock-timeout': '300ms', 'lock-retries': 20 });
      const starts = new Set<string>();
      for (let i = 0; i < 600 && starts.size < 2; i++) {
        const w = await pg.query<{ query_start: Date }>(
          `SELECT query_start FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND application_name LIKE 'ralph-deploy migrate-db%'`,
          [db.name],
        );
        for (const row of w.rows) starts.add(row.query_start.toISOString());
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(starts.size).toBeGreaterThanOrEqual(2);
      await holder.query('ROLLBACK');
      const ok = await run;
      expect(ok.exitCode).toBe(0);
      expect(ok.log).toMatch(/retrying in/);
      expect(ok.outputs).toMatchObject({ applied: '1', 'current-version': '2' });
    } finally {
      await holder.end();
    }
  });

  it('waits for the migration lock at most lock-wait-timeout and names the session holding it', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace({ 'V1__t.sql': 'CREATE TABLE t (x int);\n' });
    const { advisoryKey } = await import('../../packages/postgres/src/advisory-lock.js');
    const key = advisoryKey('ralph-deploy/migrate-db', 'public.ralph_migrations');
    const { default: pgLib } = await import('pg');
    const holder = new pgLib.Client({ connectionString: db.url, application_name: 'stuck-deploy-17' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::int4, $2::int4)', [key.classid, key.objid]);
      const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const r = await migrateDb(pg, ws, { 'database-url': db.url, 'lock-wait-timeout': '1s' });
      expect(r.exitCode).toBe(1);
      expect(r.errors.join('\n')).toMatch(
        new RegExp(
          `Timed out after 1s \\(lock-wait-timeout\\) waiting for the migration lock of public\\.ralph_migrations, held by pid ${pid} \\(application "stuck-deploy-17", client 127\\.0\\.0\\.1, user postgres, connected since`,
        ),
      );
      expect(await pg.query(`SELECT to_regclass('public.t') AS t`, [], db.name).then((x) => x.rows[0])).toEqual({
        t: null,
      });
    } finally {
      await holder.end();
    }
    expect((await migrateDb(pg, ws, { 'database-url': db.url })).exitCode).toBe(0);
  });

  it('lint reports each rule at file:line, gates on fail-on, and is silent on the examples', async () => {
    const { repoRoot } = await import('../harness/run-action.js');
    const bad = await runAction('migrate-db', {
      cwd: repoRoot,
      inputs: { command: 'lint', migrations: 'test/migrate-db/fixtures/lint-bad' },
    });
    expect(bad.exitCode).toBe(1);
    const rules = new Set(
      bad.annotations
        .filter((a) => a.title?.startsWith('migrate-db lint:'))
        .map((a) => a.title?.replace('migrate-db lint: ', '')),
    );
    for (const rule of [
      'index-without-concurrently',
      'concurrently-in-transaction',
      'add-column-not-null-without-default',
      'set-not-null',
      'constraint-without-not-valid',
      'column-type-change',
      'drop-table',
      'drop-column',
      'rename',
      'volatile-default',
      'partition-of-unpartitioned',
    ]) {
      expect(rules.has(rule)).toBe(true);
    }
    const partition = bad.annotations.find((a) => a.title === 'migrate-db lint: partition-of-unpartitioned');
    expect(partition).toMatchObject({
      file: 'test/migrate-db/fixtures/lint-bad/V14__partition_of_unpartitioned.sql',
      line: 2,
    });
    expect(bad.summary).toContain('Safer alternative');
    expect(bad.errors.join('\n')).toMatch(/Lint found \d+ problems at or above fail-on: error/);

    const never = await runAction('migrate-db', {
      cwd: repoRoot,
      inputs: { command: 'lint', migrations: 'test/migrate-db/fixtures/lint-bad', 'fail-on': 'never' },
    });
    expect(never.exitCode).toBe(0);

    const db = await freshDatabase(pg);
    const clean = await migrateDb(
      pg,
      { dir: repoRoot },
      { command: 'lint', migrations: 'examples/db/migrations', 'database-url': db.url, 'fail-on': 'warning' },
    );
    expect(clean.exitCode).toBe(0);
    expect(clean.annotations.filter((a) => a.title?.startsWith('migrate-db lint:'))).toEqual([]);
  });

  it('migrate lints the pending files first and changes nothing when lint fails', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace({ 'V1__t.sql': 'CREATE TABLE t (x int);\n' });
    expect((await migrateDb(pg, ws, { 'database-url': db.url })).exitCode).toBe(0);
    writeFileSync(join(ws.migrations, 'V2__idx.sql'), '-- a comment\nCREATE INDEX t_x ON t (x);\n');
    const r = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(r.exitCode).toBe(1);
    expect(r.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'db/migrations/V2__idx.sql',
          line: 2,
          title: 'migrate-db lint: index-without-concurrently',
        }),
      ]),
    );
    expect((await historyRows(pg, db.name)).map((x) => x.version)).toEqual(['1']);
  });

  it('checks PARTITION OF against the live catalog when connected', async () => {
    const db = await freshDatabase(pg);
    await pg.query('CREATE TABLE plain (at date)', [], db.name);
    const ws = workspace({
      'V1__p.sql': "CREATE TABLE plain_2024 PARTITION OF plain FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n",
    });
    const r = await migrateDb(pg, ws, { 'database-url': db.url, command: 'plan' });
    expect(r.exitCode).toBe(1);
    expect(r.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ title: 'migrate-db lint: partition-of-unpartitioned', line: 1 }),
      ]),
    );
  });

  it('fills placeholders from inputs and secrets from the environment, masked', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace({
      'V1__role.sql':
        "CREATE ROLE ${role_name} LOGIN PASSWORD '${role_password}';\nCREATE TABLE ${schema_name}_t (id int);\n",
    });
    const secret = 'Sup3r-secret-role-pw';
    const r = await migrateDb(
      pg,
      ws,
      {
        'database-url': db.url,
        placeholders: `role_name: app_${db.name}\nrole_password: { env: APP_ROLE_PASSWORD }\nschema_name: public.orders`,
        'history-schema': 'ops',
        'history-table': 'schema_history',
      },
      { env: { APP_ROLE_PASSWORD: secret } },
    );
    expect(r.exitCode).toBe(0);
    expect(r.masked).toContain(secret);
    expect(r.log.includes(secret)).toBe(false);
    expect((await pg.query(`SELECT rolname FROM pg_roles WHERE rolname = $1`, [`app_${db.name}`])).rows).toHaveLength(
      1,
    );
    expect((await historyRows(pg, db.name, 'ops.schema_history')).map((x) => x.version)).toEqual(['1']);

    const missing = await migrateDb(pg, workspace({ 'V1__x.sql': 'CREATE TABLE ${nope} (id int);\n' }), {
      'database-url': db.url,
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors.join('\n')).toMatch(
      /V1__x\.sql:1: \[unknown-placeholder\] placeholder \$\{nope\} has no value/,
    );
  });

  it('reads its settings and placeholders from the spec section of the environment', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace({
      'V1__t.sql': 'CREATE TABLE ${table_name} (id int);\nCOMMENT ON TABLE ${table_name} IS ${note};\n',
    });
    mkdirSync(join(ws.dir, '.github'), { recursive: true });
    writeFileSync(
      join(ws.dir, '.github', 'ralph-deploy.yml'),
      [
        'version: 1',
        'environments:',
        '  production:',
        '    migrate-db:',
        '      database-url: { env: PROD_DATABASE_URL }',
        '      history-table: schema_history',
        '      placeholders:',
        '        table_name: orders',
        '        note: { env: TABLE_NOTE }',
        '',
      ].join('\n'),
    );
    const r = await migrateDb(
      pg,
      ws,
      { environment: 'production' },
      { env: { PROD_DATABASE_URL: db.url, TABLE_NOTE: "'secret-note-value'" } },
    );
    expect(r.exitCode).toBe(0);
    expect(r.masked).toContain("'secret-note-value'");
    expect((await pg.query(`SELECT obj_description('public.orders'::regclass) AS d`, [], db.name)).rows[0]).toEqual({
      d: 'secret-note-value',
    });
    expect((await historyRows(pg, db.name, 'public.schema_history')).map((x) => x.version)).toEqual(['1']);
  });

  it('runs non-transactional files statement by statement, honours the header, and refuses mixed files with how to split', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace({
      'V1__mood.sql': "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE t (m mood, x int);\n",
      'V2__add_values.sql':
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh';\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'great';\n",
      'V3__header.sql': '-- ralph:no-transaction\nCREATE TABLE u (x int);\nCREATE INDEX CONCURRENTLY u_x ON u (x);\n',
    });
    const ok = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(ok.exitCode).toBe(0);
    expect(ok.summary).toMatch(
      /V2 add values \| `db\/migrations\/V2__add_values\.sql` \| none \(statement by statement\)/,
    );
    expect((await pg.query(`SELECT enum_range(NULL::mood)::text AS r`, [], db.name)).rows[0]).toEqual({
      r: '{ok,meh,great}',
    });

    writeFileSync(
      join(ws.migrations, 'V4__mixed.sql'),
      'ALTER TABLE t ADD COLUMN y int;\nCREATE INDEX CONCURRENTLY t_y ON t (y);\n',
    );
    const mixed = await migrateDb(pg, ws, { 'database-url': db.url, 'fail-on': 'never' });
    expect(mixed.exitCode).toBe(1);
    expect(mixed.errors.join('\n')).toMatch(
      /db\/migrations\/V4__mixed\.sql:2:1: CREATE INDEX CONCURRENTLY cannot run inside a transaction, but this file also has statements that must \(line 1\)\. Move the statement into a file of its own \(e\.g\. V4\.1__mixed_concurrently\.sql\), or put "-- ralph:no-transaction" at the top/,
    );
    expect(
      (
        await pg.query(
          `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 't' AND column_name = 'y'`,
          [],
          db.name,
        )
      ).rows[0],
    ).toEqual({ n: 0 });
  });

  it('baseline adopts an existing database; migrate then applies only later versions', async () => {
    const db = await freshDatabase(pg);
    await pg.query('CREATE TABLE legacy (id int)', [], db.name);
    const ws = workspace({
      'V1__legacy.sql': 'CREATE TABLE legacy (id int);\n',
      'V2__more.sql': 'CREATE TABLE more (id int);\n',
    });
    const b = await migrateDb(pg, ws, { 'database-url': db.url, command: 'baseline', 'baseline-version': '1' });
    expect(b.exitCode).toBe(0);
    expect(b.outputs['current-version']).toBe('1');
    const again = await migrateDb(pg, ws, { 'database-url': db.url, command: 'baseline', 'baseline-version': '1' });
    expect(again.exitCode).toBe(1);
    expect(again.errors.join('\n')).toMatch(/already has/);
    const m = await migrateDb(pg, ws, { 'database-url': db.url });
    expect(m.exitCode).toBe(0);
    expect(m.outputs).toMatchObject({ applied: '1', 'current-version': '2' });
  });

  it('on timeout cancels the running statement on the server and leaves nothing behind', async () => {
    const db = await freshDatabase(pg);
    const ws = workspace({ 'V1__slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(120);\n' });
    const r = await migrateDb(pg, ws, { 'database-url': db.url, timeout: '3s' });
    expect(r.exitCode).not.toBe(0);
    const running = await pg.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(120)%' AND state = 'active'`,
      [db.name],
    );
    expect(running.rows).toEqual([]);
    expect((await pg.query(`SELECT to_regclass('public.slow') AS t`, [], db.name)).rows[0]).toEqual({ t: null });
    expect(await historyRows(pg, db.name)).toEqual([]);
  });

  it('bad input and unreachable databases fail with one line and no password', async () => {
    const ws = workspace({ 'V1__t.sql': 'SELECT 1;\n' });
    const badUrl = `postgresql://postgres:${encodeURIComponent(pg.password)}@127.0.0.1:1/nodb`;
    const r = await runAction('migrate-db', { cwd: ws.dir, inputs: { 'database-url': badUrl } });
    expect(r.exitCode).toBe(1);
    assertNoLeak(r, pg.password);
    expect(r.errors.join('\n')).toMatch(/cannot connect to postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nodb/);

    const noDir = await migrateDb(pg, ws, { 'database-url': pg.url, migrations: 'nowhere' });
    expect(noDir.exitCode).toBe(1);
    expect(noDir.errors.at(-1)).toMatch(/Input 'migrations': directory nowhere does not exist/);

    const badName = await migrateDb(pg, workspace({ 'V1_init.sql': 'SELECT 1;' }), { 'database-url': pg.url });
    expect(badName.exitCode).toBe(1);
    expect(badName.errors.at(-1)).toMatch(/db\/migrations\/V1_init\.sql: file name does not match/);

    const noUrl = await runAction('migrate-db', { cwd: ws.dir, inputs: {} });
    expect(noUrl.exitCode).toBe(1);
    expect(noUrl.errors.at(-1)).toMatch(/Input 'database-url' is required for command: migrate/);
  });
});
