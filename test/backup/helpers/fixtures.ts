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
