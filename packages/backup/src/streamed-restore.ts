import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { ActionError, errorMessage, type Logger } from '@ralph-deploy/common';
import { connect, type PgClient } from '@ralph-deploy/postgres';
import type { ArchiveToc, TocEntry } from './archive-offsets.js';
import type { ArchiveDownload } from './download.js';
import { describePgRestore, runPgRestore, type PgRestoreRun } from './pg-restore.js';
import { FRAME_BYTES } from './frames.js';
import { ownTable, planRestore, type RestorePlan } from './restore-plan.js';
import { tableData, WindowPool } from './table-data.js';

export interface StreamedRestoreOptions {
  pgRestore: string;
  /** The archive on its way to the file: its TOC, where each data block starts, when it is all there. */
  download: ArchiveDownload;
  /** Runs once the archive is complete, before pg_restore reads its data (writes the offsets). */
  complete: () => Promise<void>;
  /** Where the pg_restore list files go. */
  workDir: string;
  targetUrl: string;
  jobs: number;
  keepOwnership?: boolean;
  maintenanceWorkMem?: string;
  log: Logger;
  /** Stops everything (pg_restore is killed, COPY connections closed). */
  signal?: AbortSignal;
}

/**
 * Restores into a new, empty database while the archive is still being fetched: the schema as
 * soon as the TOC is on file, each table's data by COPY as its block arrives (up to `jobs` at a
 * time), each table's own indexes and constraints as soon as its data is in, and the rest once the
 * archive is complete and verified. A failure anywhere stops everything and is thrown; the
 * caller drops the half-restored database (which is why this is only for a database of our own).
 */
export async function restoreWhileFetching(o: StreamedRestoreOptions): Promise<{ overlapped: boolean }> {
  const toc = await o.download.toc;
  const plan = toc
    ? planRestore(toc)
    : `the archive could not be read as it arrived (${o.download.problem() ?? 'no TOC'})`;
  // a failure inside stops the rest (pg_restore runs are killed), not the fetch
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const base: Omit<PgRestoreRun, 'jobs'> = {
    pgRestore: o.pgRestore,
    file: o.download.path,
    targetUrl: o.targetUrl,
    ...(o.keepOwnership ? { keepOwnership: true } : {}),
    ...(o.maintenanceWorkMem ? { maintenanceWorkMem: o.maintenanceWorkMem } : {}),
    log: o.log,
    signal,
  };
  if (typeof plan === 'string' || !toc) {
    o.log.info(`restoring once the archive is complete: ${String(plan)}`);
    await o.download.fetched;
    await o.complete();
    o.log.info(describePgRestore({ jobs: o.jobs, targetUrl: o.targetUrl }));
    await runPgRestore({ ...base, jobs: o.jobs });
    return { overlapped: false };
  }
  o.log.info(
    `restoring while the archive arrives: the schema (${plan.pre.length} entries), the data of ${plan.copies.length} tables by COPY as each arrives (${o.jobs} at a time) with each table's own indexes and constraints as soon as it is loaded, then ${plan.rest.length} remaining entries`,
  );
  await o.download.file.waitFor(toc.end);
  await runPgRestore({ ...base, jobs: 1, list: await listFile(o.workDir, 'schema', plan.pre) });
  await new Scheduler(o, toc, plan, base, stop).run();
  return { overlapped: true };
}

async function listFile(dir: string, name: string, entries: TocEntry[]): Promise<string> {
  const path = join(dir, `${name}.list`);
  // (only the leading number counts; names stay out: one could hold a newline)
  await writeFile(path, entries.map((e) => `${e.dumpId}; ${e.desc}\n`).join(''));
  return path;
}

/**
 * How far decoding runs ahead of each table load: the frame size, so every data block of a frame
 * is on file (and its table can start) before any load reads that frame (frames.ts).
 */
const PACE_LEAD = FRAME_BYTES;

/** Runs the data loads and the per-table post-data work on `jobs` slots, then the rest. */
class Scheduler {
  private readonly pending: TocEntry[];
  private readonly readyAfter: TocEntry[] = [];
  private readonly idle: PgClient[] = [];
  private readonly clients: PgClient[] = [];
  private busy = 0;
  /** Table loads running. */
  private loading = 0;
  private fetched = false;
  private finishing = false;
  private lists = 0;
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  private failed = false;
  /** Work started and not yet settled: waited for before returning, also after a failure. */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly position: Map<number, number>;

  constructor(
    private readonly o: StreamedRestoreOptions,
    private readonly toc: ArchiveToc,
    private readonly plan: RestorePlan,
    private readonly base: Omit<PgRestoreRun, 'jobs'>,
    private readonly stop: AbortController,
  ) {
    this.pending = [...plan.copies];
    this.position = new Map(toc.entries.map((e, i) => [e.dumpId, i]));
  }

  async run(): Promise<void> {
    // The archive is decoded just ahead of the loads that read it (FrameFile.pace).
    this.o.download.pace(PACE_LEAD);
    const onBlock = () => this.pump();
    const signal = this.base.signal as AbortSignal;
    const onAbort = () => this.fail(signal.reason);
    this.o.download.blocks.on('block', onBlock);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        this.settle = { resolve, reject };
        this.o.download.fetched.then(
          () => {
            this.fetched = true;
            this.pump();
          },
          (e: unknown) => this.fail(e),
        );
        this.pump();
      });
    } finally {
      this.o.download.blocks.off('block', onBlock);
      signal.removeEventListener('abort', onAbort);
      await Promise.allSettled([...this.inflight]);
      await Promise.all(this.clients.map((c) => c.end().catch(() => undefined)));
    }
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    // pg_restore runs are killed; COPYs in flight stop with their connections
    this.stop.abort(e);
    for (const c of this.clients) void c.end().catch(() => undefined);
    this.settle.reject(e);
  }

  private pump(): void {
    if (this.failed || this.finishing) return;
    const blocks = this.o.download.blocks.blockPositions;
    while (this.busy < this.o.jobs) {
      const i = this.pending.findIndex((e) => blocks.has(e.dumpId));
      if (i < 0) break;
      const [entry] = this.pending.splice(i, 1) as [TocEntry];
      this.busy++;
      this.loading++;
      this.track(this.load(entry, blocks.get(entry.dumpId) as number)).then(
        () => {
          this.busy--;
          this.loading--;
          this.readyAfter.push(...(this.plan.after.get(entry.dumpId) ?? []));
          this.pump();
        },
        (e: unknown) => this.fail(e),
      );
    }
    if (this.busy < this.o.jobs && this.readyAfter.length > 0) {
      const entries = this.readyAfter.splice(0).sort((a, b) => this.order(a) - this.order(b));
      const jobs = Math.min(this.o.jobs - this.busy, entries.length);
      this.busy += jobs;
      this.track(this.restoreEntries(entries, jobs)).then(
        () => {
          this.busy -= jobs;
          this.pump();
        },
        (e: unknown) => this.fail(e),
      );
    }
    // Nothing loading and nothing that can start: what is left of the archive is for pg_restore.
    if (this.loading === 0 && !this.pending.some((e) => blocks.has(e.dumpId))) this.o.download.pace(undefined);
    if (this.fetched && this.busy === 0 && this.readyAfter.length === 0) {
      // Tables whose block never showed up (the indexer gave up) go to pg_restore with the rest.
      const leftover = this.pending.flatMap((e) => [e, ...(this.plan.after.get(e.dumpId) ?? [])]);
      this.finishing = true;
      this.track(this.finish([...this.plan.rest, ...leftover].sort((a, b) => this.order(a) - this.order(b)))).then(
        () => this.settle.resolve(),
        (e: unknown) => this.fail(e),
      );
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  private order(e: TocEntry): number {
    return this.position.get(e.dumpId) ?? 0;
  }

  private async finish(rest: TocEntry[]): Promise<void> {
    await this.o.complete();
    if (rest.length > 0) await this.restoreEntries(rest, this.o.jobs);
  }

  private async restoreEntries(entries: TocEntry[], jobs: number): Promise<void> {
    const t0 = Date.now();
    const list = await listFile(this.o.workDir, `part-${++this.lists}`, entries);
    await runPgRestore({ ...this.base, jobs, list });
    const what = [...new Set(entries.map((e) => e.desc.toLowerCase()))].join(', ');
    this.o.log.debug(`pg_restore --jobs=${jobs}: ${entries.length} entries (${what}) in ${secs(Date.now() - t0)}`);
  }

  /** COPY one table's data from the archive as it arrives, on a pooled connection. */
  private async load(entry: TocEntry, at: number): Promise<void> {
    const label = `${entry.namespace ?? ''}.${entry.tag}`;
    const client = this.idle.pop() ?? (await this.newClient());
    const fh = await open(this.o.download.path, 'r');
    const t0 = Date.now();
    let bytes = 0;
    try {
      await client.query('BEGIN');
      // The table was created empty in this restore. Truncating it in the COPY's transaction (as
      // pg_restore does) lets the COPY skip the WAL with wal_level=minimal, and load the rows
      // frozen: PostgreSQL's option for an initial load, which spares the restored database the
      // anti-wraparound vacuum of every table that would otherwise follow.
      const table = ownTable(entry);
      if (table) await client.query(`TRUNCATE TABLE ONLY ${table}`);
      const stmt = entry.copyStmt as string;
      const copy = client.query(copyFrom(table ? stmt.replace(/;\s*$/, ' WITH (FREEZE);') : stmt));
      // (pg-copy-streams writes to the same socket: pg's connection.stream)
      const socket = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
      const pool = new WindowPool(
        () => socket !== undefined && copy.writableLength === 0 && socket.writableLength === 0,
      );
      const data = tableData(this.o.download.file, fh, at, entry.dumpId, this.toc.intSize, label, pool);
      await pipeline(async function* () {
        for await (const chunk of data) {
          bytes += chunk.length;
          yield chunk;
        }
      }, copy);
      await client.query('COMMIT');
    } catch (e: unknown) {
      if (this.failed || e instanceof ActionError) throw e;
      throw new ActionError(`loading the data of ${label} failed: ${errorMessage(e)}`, { cause: e });
    } finally {
      await fh.close();
    }
    this.idle.push(client);
    this.o.log.debug(`loaded ${label}: ${bytes} bytes by COPY in ${secs(Date.now() - t0)}`);
  }

  private async newClient(): Promise<PgClient> {
    const client = await connect(this.o.targetUrl, { applicationName: 'ralph-deploy restore', log: this.o.log });
    this.clients.push(client);
    if (this.failed) throw new ActionError('the restore was stopped');
    // pg_restore's session settings (_doSetFixedOutputState), then the archive's own.
    await client.query(
      [
        'SET statement_timeout = 0',
        'SET lock_timeout = 0',
        'SET idle_in_transaction_session_timeout = 0',
        "SELECT set_config('transaction_timeout', '0', false) WHERE current_setting('server_version_num')::int >= 170000",
        'SET row_security = off',
        'SET client_min_messages = warning',
        ...this.plan.session,
      ].join(';\n'),
    );
    return client;
  }
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
