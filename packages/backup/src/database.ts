import { ActionError, errorMessage, type Logger } from '@ralph-deploy/common';
import { connect, quoteIdent, withDatabase, type PgClient } from '@ralph-deploy/postgres';
import type { TableEstimate } from './manifest.js';

const APP = 'ralph-deploy backup';

/** User tables (and partitions), not those of extensions or the system. */
const USER_TABLES = `
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  where c.relkind = 'r'
    and n.nspname not in ('pg_catalog', 'information_schema')
    and n.nspname !~ '^pg_(toast|temp_)'
    and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')`;

export interface DatabaseInfo {
  name: string;
  server: string;
  serverVersion: string;
  serverVersionNum: number;
  serverMajor: number;
  sizeBytes: number;
  tables: TableEstimate[];
}

export async function withClient<T>(url: string, log: Logger, fn: (c: PgClient) => Promise<T>): Promise<T> {
  const client = await connect(url, { applicationName: APP, log });
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What the manifest records about the source database; row counts are the planner's estimates. */
export async function describeDatabase(url: string, log: Logger): Promise<DatabaseInfo> {
  return withClient(url, log, async (c) => {
    const v = await c.query<{ name: string; version: string; num: string; size: string }>(
      `select current_database() as name, current_setting('server_version') as version,
              current_setting('server_version_num') as num, pg_database_size(current_database())::text as size`,
    );
    const row = v.rows[0];
    if (!row) throw new ActionError('the database did not describe itself');
    // n_live_tup is current once statistics exist; reltuples is -1 before the first VACUUM/ANALYZE.
    const t = await c.query<{
      schema: string;
      name: string;
      live: string | null;
      has_stats: boolean;
      reltuples: string;
    }>(
      `select n.nspname as schema, c.relname as name, s.n_live_tup::text as live,
              coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del > 0 or s.last_vacuum is not null or s.last_autovacuum is not null
                       or s.last_analyze is not null or s.last_autoanalyze is not null, false) as has_stats,
              c.reltuples::bigint::text as reltuples
       ${USER_TABLES.replace('where', 'left join pg_stat_user_tables s on s.relid = c.oid where')}
       order by 1, 2`,
    );
    const u = new URL(url);
    const num = Number(row.num);
    return {
      name: row.name,
      server: `${u.hostname}:${u.port || '5432'}`,
      serverVersion: row.version,
      serverVersionNum: num,
      serverMajor: Math.floor(num / 10000),
      sizeBytes: Number(row.size),
      tables: t.rows.map((r) => ({
        schema: r.schema,
        name: r.name,
        rows: r.has_stats && r.live !== null ? Number(r.live) : Number(r.reltuples) >= 0 ? Number(r.reltuples) : null,
      })),
    };
  });
}

export async function serverMajorOf(url: string, log: Logger): Promise<number> {
  return withClient(url, log, async (c) => {
    const r = await c.query<{ v: string }>('show server_version_num');
    return Math.floor(Number(r.rows[0]?.v) / 10000);
  });
}

/** Schemas other than public and relations of the user: what a restore would collide with. */
export async function userObjectCount(url: string, log: Logger): Promise<{ relations: number; schemas: number }> {
  return withClient(url, log, async (c) => {
    const r = await c.query<{ relations: string; schemas: string }>(
      `select (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where c.relkind in ('r','p','v','m','S','f')
                  and n.nspname not in ('pg_catalog','information_schema') and n.nspname !~ '^pg_(toast|temp_)'
                  and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'))::text as relations,
              (select count(*) from pg_namespace n where n.nspname not in ('public','pg_catalog','information_schema')
                  and n.nspname !~ '^pg_' and not exists (select 1 from pg_depend d where d.classid = 'pg_namespace'::regclass and d.objid = n.oid and d.deptype = 'e'))::text as schemas`,
    );
    return { relations: Number(r.rows[0]?.relations ?? 0), schemas: Number(r.rows[0]?.schemas ?? 0) };
  });
}

/** Whether the database named in `url` exists (checked through the `postgres` maintenance database). */
export async function ensureDatabase(url: string, log: Logger): Promise<'existed' | 'created'> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new ActionError('target-database-url names no database');
  const admin = withDatabase(url, 'postgres');
  try {
    await withClient(url, log, async () => undefined);
    return 'existed';
  } catch (e: unknown) {
    if (!/does not exist/.test(errorMessage(e))) throw e;
  }
  await withClient(admin, log, (c) => c.query(`create database ${quoteIdent(name)} template template0`));
  return 'created';
}

export async function createScratchDatabase(serverUrl: string, name: string, log: Logger): Promise<string> {
  await withClient(serverUrl, log, (c) => c.query(`create database ${quoteIdent(name)} template template0`));
  return withDatabase(serverUrl, name);
}

export async function dropDatabase(serverUrl: string, name: string, log: Logger): Promise<void> {
  await withClient(serverUrl, log, (c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}

/** Exact row counts of the given tables (`only`: inheritance children are counted on their own). */
export async function exactRowCounts(
  url: string,
  tables: Array<{ schema: string; name: string }>,
  log: Logger,
): Promise<Map<string, number | null>> {
  return withClient(url, log, async (c) => {
    const out = new Map<string, number | null>();
    const present = await c.query<{ schema: string; name: string }>(
      `select n.nspname as schema, c.relname as name ${USER_TABLES}`,
    );
    const have = new Set(present.rows.map((r) => `${r.schema}.${r.name}`));
    for (const t of tables) {
      const key = `${t.schema}.${t.name}`;
      if (!have.has(key)) {
        out.set(key, null);
        continue;
      }
      const r = await c.query<{ n: string }>(
        `select count(*)::text as n from only ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`,
      );
      out.set(key, Number(r.rows[0]?.n ?? 0));
    }
    return out;
  });
}
