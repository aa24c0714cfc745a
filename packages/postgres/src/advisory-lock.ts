import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ActionError, AbortedError, formatDuration, sleep, type Logger } from '@ralph-deploy/common';

/** A two-part advisory lock key (pg_advisory_lock(int4, int4)): pg_locks shows it as classid/objid with objsubid 2. */
export interface AdvisoryKey {
  classid: number;
  objid: number;
}

/** A stable key for a name: the first 31 bits of sha256 under a namespace, so pg_locks shows positive numbers. */
export function advisoryKey(namespace: string, name: string): AdvisoryKey {
  const part = (s: string) => createHash('sha256').update(s).digest().readUInt32BE(0) & 0x7fffffff;
  return { classid: part(namespace), objid: part(`${namespace}\0${name}`) };
}

/** The session holding a lock, from pg_locks joined to pg_stat_activity. */
export interface LockHolder {
  pid: number;
  applicationName: string | null;
  clientAddr: string | null;
  user: string | null;
  backendStart: Date | null;
  state: string | null;
  stateChange: Date | null;
}

export async function findLockHolder(client: pg.Client, key: AdvisoryKey): Promise<LockHolder | undefined> {
  const r = await client.query(
    `SELECT l.pid, a.application_name, host(a.client_addr) AS client_addr, a.usename, a.backend_start, a.state, a.state_change
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 2
        AND l.pid <> pg_backend_pid()
      LIMIT 1`,
    [key.classid, key.objid],
  );
  const x = r.rows[0] as Record<string, unknown> | undefined;
  if (!x) return undefined;
  return {
    pid: Number(x.pid),
    applicationName: (x.application_name as string | null) ?? null,
    clientAddr: (x.client_addr as string | null) ?? null,
    user: (x.usename as string | null) ?? null,
    backendStart: (x.backend_start as Date | null) ?? null,
    state: (x.state as string | null) ?? null,
    stateChange: (x.state_change as Date | null) ?? null,
  };
}

/** "pid 4242 (application "ralph-deploy migrate-db run 17", client 10.0.0.5, user app, connected since ..., idle since ...)" */
export function describeLockHolder(h: LockHolder): string {
  const parts: string[] = [];
  if (h.applicationName) parts.push(`application "${h.applicationName}"`);
  parts.push(`client ${h.clientAddr ?? 'local socket'}`);
  if (h.user) parts.push(`user ${h.user}`);
  if (h.backendStart) parts.push(`connected since ${h.backendStart.toISOString()}`);
  if (h.state) parts.push(`${h.state}${h.stateChange ? ` since ${h.stateChange.toISOString()}` : ''}`);
  if (!h.user && !h.applicationName)
    parts.push('details hidden: the connecting role needs pg_read_all_stats to see them');
  return `pid ${h.pid} (${parts.join(', ')})`;
}

export interface AcquireOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** What the lock protects, for messages ("the migration lock"). */
  label: string;
  /** Poll interval ceiling; the first polls are quicker. Default 1000. */
  pollMs?: number;
  log?: Logger;
  signal?: AbortSignal;
}

/**
 * Takes a SESSION-level advisory lock (pg_advisory_lock semantics, held until unlock or disconnect),
 * never a transaction-level one: a transaction left open to hold the lock would make CREATE INDEX
 * CONCURRENTLY wait for it forever (flyway/flyway#3854). Waiting polls pg_try_advisory_lock so it is
 * bounded by `timeoutMs` and by the abort signal; the timeout error names the session holding it.
 * Polling (instead of a blocking pg_advisory_lock) also matters: a session blocked inside
 * pg_advisory_lock keeps a transaction open, which a CREATE INDEX CONCURRENTLY run by the lock holder
 * would wait for, while that session waits for the holder: an undetected deadlock.
 */
export async function acquireSessionLock(client: pg.Client, key: AdvisoryKey, options: AcquireOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 1000;
  let announced = false;
  for (let attempt = 0; attempt < 1_000_000; attempt++) {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int4, $2::int4) AS ok', [
      key.classid,
      key.objid,
    ]);
    if (r.rows[0]?.ok === true) {
      if (announced) options.log?.info(`Acquired ${options.label}`);
      return;
    }
    const holder = await findLockHolder(client, key);
    const who = holder ? describeLockHolder(holder) : 'a session that has since released it';
    if (Date.now() >= deadline) {
      throw new ActionError(
        `Timed out after ${formatDuration(options.timeoutMs)} (lock-wait-timeout) waiting for ${options.label}, held by ${who}. Another run may still be migrating: wait for it, or if that session is stuck, end it with SELECT pg_terminate_backend(${holder?.pid ?? '<pid>'})`,
      );
    }
    if (!announced) {
      options.log?.info(`Waiting up to ${formatDuration(options.timeoutMs)} for ${options.label}, held by ${who}`);
      announced = true;
    }
    if (options.signal?.aborted)
      throw options.signal.reason instanceof Error ? options.signal.reason : new AbortedError('cancelled', 'cancelled');
    await sleep(Math.min(pollMs, 100 * 2 ** Math.min(attempt, 4), Math.max(0, deadline - Date.now())), options.signal);
  }
  throw new ActionError(`gave up waiting for ${options.label}`);
}

/** Releases a session lock taken by acquireSessionLock. */
export async function releaseSessionLock(client: pg.Client, key: AdvisoryKey): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::int4, $2::int4)', [key.classid, key.objid]);
}

/** Cancels the statement a session is running, from another connection (used when the action times out). */
export async function cancelBackend(
  url: string,
  pid: number,
  connectFn: (url: string) => Promise<pg.Client>,
): Promise<void> {
  const other = await connectFn(url);
  try {
    await other.query('SELECT pg_cancel_backend($1)', [pid]);
  } finally {
    await other.end().catch(() => undefined);
  }
}
