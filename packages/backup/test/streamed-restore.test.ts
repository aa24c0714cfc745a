import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataOffsetIndexer, Section, type ArchiveToc, type TocEntry } from '../src/archive-offsets.js';
import { GrowingFile } from '../src/growing-file.js';
import { ownTable, planRestore, type RestorePlan } from '../src/restore-plan.js';
import { tableData, WindowPool } from '../src/table-data.js';
import { startPostgres, type PostgresService } from '../../../test/harness/services.js';
import { PG_BIN, dumpToPipe, pgArgs } from './pg-dump.js';
import { RICH_SQL } from '../../../test/backup/helpers/fixtures.js';

let pg: PostgresService;
let dir: string;

beforeAll(async () => {
  pg = await startPostgres();
  await pg.createDatabase('src');
  await pg.query(RICH_SQL, [], 'src');
  dir = await mkdtemp(join(tmpdir(), 'ralph-streamed-'));
}, 120_000);

afterAll(async () => {
  await pg?.stop();
}, 60_000);

/** pg_dump --compress=0 to a pipe, as the backup runs it. */
function dump(extra: string[] = []): Promise<Buffer> {
  return dumpToPipe(pg, 'src', ['--compress=0', ...extra]);
}

async function read(bytes: Buffer): Promise<{ toc: ArchiveToc; blocks: ReadonlyMap<number, number> }> {
  const indexer = new DataOffsetIndexer();
  await pipeline(Readable.from([bytes]), indexer, new Writable({ write: (_c, _e, cb) => cb() }));
  const toc = await indexer.toc;
  if (!toc) throw new Error(`not indexed: ${indexer.problem}`);
  return { toc, blocks: indexer.blockPositions };
}

/** COPY ... TO STDOUT of a table, as pg_dump writes it (text, tabs, \N). */
function copyOut(table: string): Buffer {
  const r = spawnSync(`${PG_BIN}/psql`, [...pgArgs(pg, 'src'), '-c', `copy ${table} to stdout`], {
    env: { ...process.env, PGPASSWORD: pg.password },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr.toString()}`);
  return r.stdout;
}

/** A file that is already complete but shows itself `step` bytes at a time, like one being written. */
function revealing(size: number, step: number) {
  let shown = 0;
  return {
    waits: 0,
    async waitFor(at: number): Promise<number> {
      this.waits++;
      while (shown < at && shown < size) shown = Math.min(size, shown + step);
      return shown;
    },
  };
}

const named = (toc: ArchiveToc, desc: string, tag: string) =>
  toc.entries.find((e) => e.desc === desc && e.tag === tag) as TocEntry;
const tags = (entries: TocEntry[]) => entries.map((e) => `${e.desc} ${e.tag}`).sort();

describe('tableData', () => {
  it.each([
    ['shop.orders', 'orders', 1024 * 1024, 65536],
    ['shop.customers', 'customers', 7, 4099],
    ['"Odd Schema Table"', 'Odd Schema Table', 3, 5],
  ])(
    'yields exactly the COPY text pg_dump wrote for %s (%s: windows of %i bytes, the file growing %i at a time)',
    async (table, tag, window, step) => {
      const bytes = await dump();
      const { toc, blocks } = await read(bytes);
      const path = join(dir, `data-${tag}.dump`);
      await writeFile(path, bytes);
      const entry = named(toc, 'TABLE DATA', tag);
      const file = revealing(bytes.length, step);
      const fh = await open(path, 'r');
      const out: Buffer[] = [];
      try {
        const pool = new WindowPool(() => true, window);
        for await (const c of tableData(file, fh, blocks.get(entry.dumpId)!, entry.dumpId, toc.intSize, tag, pool))
          out.push(Buffer.from(c)); // windows are reused: keep a copy
      } finally {
        await fh.close();
      }
      // pg_dump 15 ends a table's data with COPY's end marker (and two newlines); pg_restore
      // sends those too, and so does tableData
      const expected = Buffer.concat([copyOut(table), Buffer.from('\\.\n\n\n')]);
      expect(expected.length).toBeGreaterThan(5);
      const got = Buffer.concat(out);
      let at = 0;
      while (at < got.length && got[at] === expected[at]) at++;
      expect({ length: got.length, differsAt: at }).toEqual({ length: expected.length, differsAt: expected.length });
      expect(file.waits).toBeGreaterThan(1);
    },
    60_000,
  );

  it('fails naming the table when the archive ends inside its data, or its block is not where it should be', async () => {
    const bytes = await dump();
    const { toc, blocks } = await read(bytes);
    const entry = named(toc, 'TABLE DATA', 'orders');
    const at = blocks.get(entry.dumpId)!;
    const path = join(dir, 'cut.dump');
    await writeFile(path, bytes.subarray(0, at + 5000));
    const fh = await open(path, 'r');
    const drain = async (it: AsyncGenerator<Buffer>) => {
      for await (const _ of it) void _;
    };
    try {
      const cut = { waitFor: async () => at + 5000 };
      await expect(drain(tableData(cut, fh, at, entry.dumpId, toc.intSize, 'shop.orders'))).rejects.toThrow(
        'the archive ends inside the data of shop.orders',
      );
      const whole = { waitFor: async () => at + 5000 };
      await expect(drain(tableData(whole, fh, at + 1, entry.dumpId, toc.intSize, 'shop.orders'))).rejects.toThrow(
        /^the archive has no data block for shop.orders where its index says/,
      );
    } finally {
      await fh.close();
    }
  }, 60_000);
});

describe('planRestore', () => {
  let toc: ArchiveToc;
  let plan: RestorePlan;
  beforeAll(async () => {
    ({ toc } = await read(await dump()));
    const p = planRestore(toc);
    if (typeof p === 'string') throw new Error(p);
    plan = p;
  }, 60_000);

  it('restores the schema first, then loads every table that has data by COPY', () => {
    expect(plan.pre.every((e) => e.section === Section.PreData)).toBe(true);
    expect(tags(plan.pre)).toEqual(expect.arrayContaining(['TABLE orders', 'TABLE events', 'FUNCTION touch()']));
    expect(tags(plan.copies)).toEqual(
      [
        'TABLE DATA Odd Schema Table',
        'TABLE DATA customers',
        'TABLE DATA empty_one',
        'TABLE DATA events_2025',
        'TABLE DATA events_2026',
        'TABLE DATA orders',
      ].sort(),
    );
    expect(plan.session).toEqual([
      "SET client_encoding = 'UTF8'",
      "SET standard_conforming_strings = 'on'",
      "SELECT pg_catalog.set_config('search_path', '', false)",
    ]);
  });

  it("builds each table's own indexes, constraints, triggers and policies as soon as its data is in", () => {
    const orders = named(toc, 'TABLE DATA', 'orders').dumpId;
    expect(tags(plan.after.get(orders) ?? [])).toEqual(
      [
        'CONSTRAINT orders orders_pkey',
        'INDEX orders_doc',
        'TRIGGER orders orders_touch',
        'POLICY orders own_orders',
        'ROW SECURITY orders',
      ].sort(),
    );
    const customers = named(toc, 'TABLE DATA', 'customers').dumpId;
    expect(tags(plan.after.get(customers) ?? [])).toEqual([
      'CONSTRAINT customers customers_email_key',
      'CONSTRAINT customers customers_pkey',
    ]);
  });

  it('leaves what spans tables, or must come last, to the final pg_restore', () => {
    const rest = tags(plan.rest);
    for (const t of [
      'FK CONSTRAINT orders orders_customer_fkey', // locks two tables
      'MATERIALIZED VIEW DATA order_totals', // reads other tables' data
      'SEQUENCE SET invoice_no',
      'SEQUENCE SET orders_id_seq',
      'INDEX events_at', // on the partitioned table: no data of its own
      'BLOBS BLOBS',
      'COMMENT TABLE orders',
    ])
      expect(rest).toContain(t);
    // every entry is placed exactly once
    const placed = [...plan.pre, ...plan.copies, ...[...plan.after.values()].flat(), ...plan.rest];
    expect(placed.map((e) => e.dumpId).sort((a, b) => a - b)).toEqual(
      toc.entries.map((e) => e.dumpId).sort((a, b) => a - b),
    );
  });

  it('is not made for archives whose blocks pg_dump compressed itself', async () => {
    const { toc: z } = await read(await dump(['--compress=5'])); // the later --compress wins
    expect(planRestore(z)).toBe('pg_dump compressed the data blocks itself');
  }, 60_000);

  it('truncates before loading only a table loaded into itself', async () => {
    expect(ownTable(named(toc, 'TABLE DATA', 'orders'))).toBe('shop.orders');
    expect(ownTable(named(toc, 'TABLE DATA', 'Odd Schema Table'))).toBe('public."Odd Schema Table"');
    const { toc: viaRoot } = await read(await dump(['--load-via-partition-root']));
    expect(ownTable(named(viaRoot, 'TABLE DATA', 'events_2025'))).toBeUndefined();
    expect(ownTable(named(viaRoot, 'TABLE DATA', 'orders'))).toBe('shop.orders');
  }, 60_000);
});

describe('GrowingFile', () => {
  it('lets a reader wait for bytes that are not written yet, and for the end', async () => {
    const file = new GrowingFile(join(dir, 'growing'));
    const early = file.waitFor(10);
    const beyond = file.waitFor(1000);
    let earlyAt = -1;
    void early.then((n) => (earlyAt = n));
    await new Promise<void>((r) => file.write(Buffer.alloc(4), () => r()));
    await new Promise((r) => setImmediate(r));
    expect(earlyAt).toBe(-1);
    await new Promise<void>((r) => file.write(Buffer.alloc(8), () => r()));
    expect(await early).toBe(12);
    await new Promise<void>((r) => file.end(() => r()));
    expect(await beyond).toBe(12); // complete: fewer than asked for
    expect(await file.waitFor(5)).toBe(12);
  });

  it('rejects waiting readers when the writing is abandoned', async () => {
    const file = new GrowingFile(join(dir, 'abandoned'));
    file.on('error', () => undefined); // the fetch's pipeline reports it
    const waiting = file.waitFor(1);
    file.destroy(new Error('the fetch failed'));
    await expect(waiting).rejects.toThrow('the fetch failed');
    await expect(file.waitFor(1)).rejects.toThrow('the fetch failed');
  });
});
