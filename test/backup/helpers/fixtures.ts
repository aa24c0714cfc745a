import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, lstat, readlink, writeFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { PostgresService } from '../../harness/services.js';

/** A small database shaped like the guide's: JSONB-heavy orchestrations, an audit log, awkward types. */
export const SEED_SQL = `
create schema ralph;
create schema audit;
create table ralph.orchestrations (
  id bigserial primary key,
  name text not null,
  status text not null,
  config jsonb not null,
  result jsonb,
  created_at timestamptz not null default now()
);
create index orchestrations_status on ralph.orchestrations (status);
create table audit.activity_log (
  id bigserial primary key,
  actor text,
  action text not null,
  details jsonb,
  payload bytea,
  amount numeric(12,4),
  tags text[],
  at timestamptz not null
);
create table public.odd ("Mixed Case" text, "quote""d" int);
create view ralph.active as select id, name from ralph.orchestrations where status = 'running';
insert into ralph.orchestrations (name, status, config, result, created_at)
  select 'orch-' || g, (array['running','done','failed'])[1 + g % 3],
         jsonb_build_object('iterations', g % 50, 'agent', 'claude', 'prompt', repeat('do the thing ', 1 + g % 7), 'nested', jsonb_build_object('a', g, 'b', array[g, g+1])),
         case when g % 4 = 0 then null else jsonb_build_object('tokens', g * 13, 'ok', g % 2 = 0) end,
         timestamptz '2026-01-01' + g * interval '1 minute'
  from generate_series(1, 3000) g;
insert into audit.activity_log (actor, action, details, payload, amount, tags, at)
  select case when g % 5 = 0 then null else 'user-' || (g % 17) end, 'act ' || E'\\n\\t' || g || ' ünïcødé ✓',
         jsonb_build_object('ip', '10.0.' || (g % 255) || '.' || (g % 7), 'path', '/api/' || g),
         decode(md5(g::text), 'hex'), g * 1.2345, array['a' || g, 'b"q', null],
         timestamptz '2026-02-01' + g * interval '1 second'
  from generate_series(1, 5000) g;
insert into public.odd values ('x', 1), (null, null), (E'back\\\\slash', 3);
analyze;
`;

/**
 * Every kind of entry a plan has to place: tables with their own indexes, constraints, triggers
 * and policies; a foreign key across tables; a partitioned table; a materialized view; sequences;
 * large objects; comments; names that need quoting; an empty table.
 */
export const RICH_SQL = `
create schema shop;
create table shop.customers (id int primary key, email text unique, note text);
create table shop.orders (id bigserial primary key, customer int not null references shop.customers, total numeric(10,2) check (total >= 0), doc jsonb);
create index orders_doc on shop.orders using gin (doc);
create function shop.touch() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger orders_touch before update on shop.orders for each row execute function shop.touch();
alter table shop.orders enable row level security;
create policy own_orders on shop.orders using (customer > 0);
comment on table shop.orders is 'one row per order';
create table shop.events (id int, at date not null, what text) partition by range (at);
create table shop.events_2025 partition of shop.events for values from ('2025-01-01') to ('2026-01-01');
create table shop.events_2026 partition of shop.events for values from ('2026-01-01') to ('2027-01-01');
create index events_at on shop.events (at);
create materialized view shop.order_totals as select customer, sum(total) as total from shop.orders group by customer;
create table "Odd Schema Table" ("Mixed" text, "quo""te" int);
create table shop.empty_one (x int primary key);
create sequence shop.invoice_no start 1000;
select setval('shop.invoice_no', 1234);
insert into shop.customers select g, 'c' || g || '@example.com', repeat('n', g % 50) from generate_series(1, 2000) g;
insert into shop.orders (customer, total, doc)
  select 1 + g % 2000, (g % 997) / 7.0, jsonb_build_object('g', g, 'lines', jsonb_build_array(g, g * 2), 'txt', E'tab\\there ünï')
  from generate_series(1, 30000) g;
insert into shop.events select g, date '2025-06-01' + (g % 400), 'e' || g from generate_series(1, 5000) g;
insert into "Odd Schema Table" values ('a', 1), (E'back\\\\slash', 2), (null, null);
refresh materialized view shop.order_totals;
select lo_from_bytea(0, 'a large object'::bytea);
analyze;
`;

/** Row count and an order-independent checksum of every user table's contents. */
export async function tableChecksums(
  pg: PostgresService,
  database: string,
): Promise<Record<string, { rows: number; md5: string }>> {
  const tables = await pg.query<{ t: string }>(
    `select format('%I.%I', schemaname, relname) as t from pg_stat_user_tables order by 1`,
    [],
    database,
  );
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const { t } of tables.rows) {
    const r = await pg.query<{ n: number; h: string | null }>(
      `select count(*)::int as n, md5(string_agg(x::text, E'\\n' order by x::text)) as h from ${t} x`,
      [],
      database,
    );
    out[t] = { rows: r.rows[0]!.n, md5: r.rows[0]!.h ?? '' };
  }
  return out;
}

/** A data directory with nested, binary, empty and symlinked files. */
export async function makeDataDir(root: string): Promise<void> {
  await mkdir(join(root, 'uploads/2026'), { recursive: true });
  await writeFile(join(root, 'uploads/2026/blob.bin'), randomBytes(2 * 1024 * 1024 + 3));
  await writeFile(join(root, 'uploads/empty.txt'), '');
  await writeFile(join(root, 'config.json'), JSON.stringify({ a: 1 }));
  await symlink('config.json', join(root, 'current'));
}

/** path -> sha256 (files) or -> target (symlinks), relative to root. */
export async function treeDigest(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const s = await lstat(p);
      if (s.isSymbolicLink()) out[r] = `-> ${await readlink(p)}`;
      else if (s.isDirectory()) await walk(p, r);
      else
        out[r] = createHash('sha256')
          .update(await readFile(p))
          .digest('hex');
    }
  };
  await walk(root, '');
  return out;
}
