import { OFFSET_NO_DATA, Section, type ArchiveToc, type TocEntry } from './archive-offsets.js';

/**
 * How a restore that starts while the archive is still arriving splits the archive's entries.
 * pg_restore --jobs runs the schema first, then loads each table and, as each table completes,
 * builds what depends on that table alone (its indexes, constraints, triggers), largest first;
 * everything else waits. This plan keeps that order with the tables' data loaded by COPY straight
 * from the archive as it is written, so the first tables load while the last ones still decompress.
 */
export interface RestorePlan {
  /** The schema: every pre-data entry, restored by pg_restore before any data. */
  pre: TocEntry[];
  /** Table data loaded with COPY straight from the archive, in archive order. */
  copies: TocEntry[];
  /** Post-data entries that touch one table only, by the dump ID of that table's data. */
  after: Map<number, TocEntry[]>;
  /** Everything else (multi-table constraints, sequences, large objects, ACLs...): last. */
  rest: TocEntry[];
  /** SQL every data session runs first, as pg_restore does (client_encoding, search_path...). */
  session: string[];
}

/**
 * Post-data entries that lock only the table they belong to. Anything else (foreign keys, which
 * lock two tables, materialized view refreshes, event triggers) goes with the rest, where one
 * pg_restore schedules it with its own lock-conflict rules.
 */
const ONE_TABLE = new Set([
  'INDEX',
  'CONSTRAINT',
  'CHECK CONSTRAINT',
  'TRIGGER',
  'RULE',
  'POLICY',
  'ROW SECURITY',
  'STATISTICS',
]);

/** A plan, or why the archive must be restored the ordinary way (complete file, then pg_restore). */
export function planRestore(toc: ArchiveToc): RestorePlan | string {
  if (toc.compressed) return 'pg_dump compressed the data blocks itself';
  const byId = new Map(toc.entries.map((e) => [e.dumpId, e]));
  const copies = toc.entries.filter(
    (e) =>
      e.desc === 'TABLE DATA' &&
      e.section === Section.Data &&
      e.copyStmt !== undefined &&
      e.flag !== OFFSET_NO_DATA &&
      e.deps.length > 0,
  );
  const copyIds = new Set(copies.map((e) => e.dumpId));
  // A TABLE DATA entry's one dependency is its TABLE (pg_restore's tableDataId works the same way).
  const dataOfTable = new Map(copies.map((e) => [e.deps[0] as number, e.dumpId]));

  // The loaded tables an entry waits for; null when it waits for something that comes last.
  const memo = new Map<number, Set<number> | null>();
  const waitsFor = (e: TocEntry): Set<number> | null => {
    if (memo.has(e.dumpId)) return memo.get(e.dumpId) as Set<number> | null;
    memo.set(e.dumpId, null); // a cycle resolves to "last"
    const tables = new Set<number>();
    for (const d of e.deps) {
      const data = dataOfTable.get(d) ?? (copyIds.has(d) ? d : undefined);
      if (data !== undefined) {
        tables.add(data);
        continue;
      }
      const dep = byId.get(d);
      if (!dep || dep.section === Section.PreData) continue; // pg_restore ignores absent entries too
      const inner = dep.section === Section.PostData && ONE_TABLE.has(dep.desc) ? waitsFor(dep) : null;
      if (inner === null || inner.size !== 1) return null;
      tables.add([...inner][0] as number);
    }
    memo.set(e.dumpId, tables);
    return tables;
  };

  const pre: TocEntry[] = [];
  const after = new Map<number, TocEntry[]>();
  const rest: TocEntry[] = [];
  for (const e of toc.entries) {
    if (e.section === Section.PreData) pre.push(e);
    else if (copyIds.has(e.dumpId)) continue;
    else {
      const tables = e.section === Section.PostData && ONE_TABLE.has(e.desc) ? waitsFor(e) : null;
      const table = tables?.size === 1 ? ([...tables][0] as number) : undefined;
      if (table === undefined) rest.push(e);
      else after.set(table, [...(after.get(table) ?? []), e]);
    }
  }
  const session = ['ENCODING', 'STDSTRINGS', 'SEARCHPATH']
    .map((desc) =>
      toc.entries
        .find((e) => e.desc === desc)
        ?.defn?.trim()
        .replace(/;$/, ''),
    )
    .filter((s): s is string => s !== undefined && s !== '');
  return { pre, copies, after, rest, session };
}

/**
 * The table `copyStmt` loads, as written there, when it is the entry's own table (not a partition
 * root, as with --load-via-partition-root): only then may its load truncate the table first.
 */
export function ownTable(e: TocEntry): string | undefined {
  if (e.namespace === undefined || e.copyStmt === undefined) return undefined;
  const names = (n: string) => [...(/^[a-z_][a-z0-9_]*$/.test(n) ? [n] : []), `"${n.replace(/"/g, '""')}"`];
  for (const ns of names(e.namespace)) {
    for (const t of names(e.tag)) {
      if (e.copyStmt.startsWith(`COPY ${ns}.${t} `)) return `${ns}.${t}`;
    }
  }
  return undefined;
}
