import { ActionError, errorMessage, redactUrl, type Annotation, type Logger } from '@ralph-deploy/common';
import {
  acquireSessionLock,
  advisoryKey,
  cancelBackend,
  connect,
  describeLockHolder,
  findLockHolder,
  releaseSessionLock,
  type AdvisoryKey,
  type PgClient,
} from '@ralph-deploy/postgres';
import { discoverMigrations, normalizeVersion } from './files.js';
import { History, qualified, type HistoryTableName, type RunIdentity } from './history.js';
import { catalogQuestions, failingFindings, lintMigrations, readCatalogFacts } from './lint/linter.js';
import type { Finding } from './lint/types.js';
import { makePlan, type Plan, type PlanEntry } from './planner.js';
import { prepareMigration, type PreparedMigration } from './prepare.js';
import type { Placeholders } from './placeholders.js';
import { dirtyMessage } from './dirty.js';
import { MigrationFailedError, Runner, type AppliedMigration } from './runner.js';

export type Command = 'migrate' | 'plan' | 'status' | 'lint' | 'repair' | 'baseline';
export type FailOn = 'error' | 'warning' | 'never';

export interface MigrateDbOptions {
  command: Command;
  /** Required for every command but lint. */
  databaseUrl?: string;
  migrationsDir: string;
  /** Paths in messages and annotations are relative to it. */
  workspace?: string;
  history: HistoryTableName;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  lockWaitTimeoutMs: number;
  lockRetries: number;
  failOn: FailOn;
  allowOutOfOrder: boolean;
  placeholders: Placeholders;
  baselineVersion?: string;
  dryRun: boolean;
  who: RunIdentity;
  log: Logger;
  signal?: AbortSignal;
  /** Shown in pg_stat_activity so whoever finds our lock knows whose it is. */
  applicationName?: string;
  /** Test hooks. */
  retryBaseDelayMs?: number;
  lockPollMs?: number;
}

export interface RepairAction {
  action: 'removed failed entry' | 'realigned checksum' | 'forgot missing repeatable';
  script: string;
  detail?: string;
}

export interface MigrateDbResult {
  command: Command;
  dryRun: boolean;
  database?: string;
  historyTable: string;
  /** Number of migration files found. */
  files: number;
  applied: AppliedMigration[];
  /** What is (still) pending after the run; for plan, what would run. */
  pending: { label: string; file: string; mode: string; note?: string }[];
  entries: PlanEntry[];
  currentVersion?: string;
  findings: Finding[];
  repairs: RepairAction[];
  problems: { file: string; line?: number; message: string }[];
  /** Set when the run failed; the message the action reports. */
  failure?: string;
}

/** A failed run that still has a result to report (outputs and summary are written before failing). */
export class MigrateDbError extends ActionError {
  constructor(
    message: string,
    readonly result: MigrateDbResult,
    annotations: Annotation[] = [],
    cause?: unknown,
  ) {
    super(message, { annotations, cause });
    this.name = 'MigrateDbError';
  }
}

const LOCK_NAMESPACE = 'ralph-deploy/migrate-db';

/** Runs one migrate-db command end to end. */
export async function runMigrateDb(o: MigrateDbOptions): Promise<MigrateDbResult> {
  const result: MigrateDbResult = {
    command: o.command,
    dryRun: o.dryRun,
    ...(o.databaseUrl ? { database: redactUrl(o.databaseUrl) } : {}),
    historyTable: `${o.history.schema}.${o.history.table}`,
    files: 0,
    applied: [],
    pending: [],
    entries: [],
    findings: [],
    repairs: [],
    problems: [],
  };
  const fail = (message: string, annotations: Annotation[] = [], cause?: unknown): never => {
    result.failure = message;
    throw new MigrateDbError(message, result, annotations, cause);
  };

  const files = discoverMigrations(o.migrationsDir, o.workspace ? { workspace: o.workspace } : {}).map((f) =>
    prepareMigration(f, o.placeholders),
  );
  result.files = files.length;
  o.log.info(`Found ${files.length} migration file${files.length === 1 ? '' : 's'} in ${o.migrationsDir}`);

  if (!o.databaseUrl) {
    if (o.command !== 'lint') throw new ActionError(`Input 'database-url' is required for command: ${o.command}`);
    result.findings = lintMigrations(files);
    gateLint(result, o.failOn, fail);
    return result;
  }

  const client = await connect(o.databaseUrl, {
    applicationName: o.applicationName ?? 'ralph-deploy migrate-db',
    log: o.log,
  });
  const pidRow = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = Number(pidRow.rows[0]?.pid);
  // On timeout or cancellation, cancel the running statement from a second connection: a client-side
  // abort alone would leave it running (and holding locks) on the server.
  const url = o.databaseUrl;
  const onAbort = () => {
    void cancelBackend(url, pid, (u) => connect(u, { log: o.log })).catch((e: unknown) =>
      o.log.warning(`could not cancel the running statement: ${errorMessage(e)}`),
    );
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const history = new History(client, o.history);
    const key = advisoryKey(LOCK_NAMESPACE, `${o.history.schema}.${o.history.table}`);
    const facts = await readCatalogFacts(client, catalogQuestions(files));
    if (o.command === 'lint') {
      result.findings = lintMigrations(files, { catalog: facts });
      gateLint(result, o.failOn, fail);
      return result;
    }

    let plan = makePlan(files, await history.rows(), { allowOutOfOrder: o.allowOutOfOrder });
    record(result, plan);

    if (o.command === 'status') {
      const holder = await findLockHolder(client, key);
      if (holder)
        o.log.info(`A migration run is in progress: the migration lock is held by ${describeLockHolder(holder)}`);
      for (const p of plan.problems) o.log.warning(`${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
      if (plan.dirty.length > 0) o.log.warning(dirtyMessage(plan.dirty, files, qualified(o.history)));
      return result;
    }

    if (o.command === 'migrate' || o.command === 'plan') {
      // Lint what would run, with the whole set (and the live catalog) as context.
      result.findings = lintMigrations(files, { targets: new Set(plan.pending.map((p) => p.script)), catalog: facts });
      gateLint(result, o.failOn, fail);
      if (o.command === 'plan' || o.dryRun) {
        await explainInProgress(client, key, plan, fail);
        validate(plan, files, o, fail);
        return result;
      }
    }

    if (o.dryRun && (o.command === 'repair' || o.command === 'baseline')) {
      planMaintenance(o, plan, result, fail);
      return result;
    }
    await acquireSessionLock(client, key, {
      timeoutMs: o.lockWaitTimeoutMs,
      label: `the migration lock of ${o.history.schema}.${o.history.table}`,
      log: o.log,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.lockPollMs !== undefined ? { pollMs: o.lockPollMs } : {}),
    });
    try {
      await history.ensure();
      // Another runner may have migrated while we waited: plan again under the lock.
      plan = makePlan(files, await history.rows(), { allowOutOfOrder: o.allowOutOfOrder });
      record(result, plan);
      if (o.command === 'repair' || o.command === 'baseline') {
        await maintenance(o, plan, result, history, fail);
        plan = makePlan(files, await history.rows(), { allowOutOfOrder: o.allowOutOfOrder });
        record(result, plan);
        return result;
      }
      validate(plan, files, o, fail);
      const runner = new Runner({
        client,
        history,
        lockTimeoutMs: o.lockTimeoutMs,
        statementTimeoutMs: o.statementTimeoutMs,
        lockRetries: o.lockRetries,
        who: o.who,
        log: o.log,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: o.retryBaseDelayMs } : {}),
      });
      if (plan.pending.length === 0) o.log.info('Database is up to date: nothing to apply');
      for (const m of plan.pending) {
        if (o.signal?.aborted) fail(`stopped before ${m.displayPath}: ${errorMessage(o.signal.reason)}`);
        try {
          result.applied.push(await o.log.group(`Apply ${m.displayPath}`, () => runner.apply(m)));
        } catch (e: unknown) {
          plan = makePlan(files, await history.rows(), { allowOutOfOrder: o.allowOutOfOrder });
          record(result, plan);
          if (e instanceof MigrationFailedError) fail(e.message, e.annotations, e);
          throw e;
        }
      }
      plan = makePlan(files, await history.rows(), { allowOutOfOrder: o.allowOutOfOrder });
      record(result, plan);
    } finally {
      await releaseSessionLock(client, key).catch(() => undefined);
    }
    return result;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
}

/**
 * Without the lock, an unfinished history row may belong to a run that is still going rather than
 * to one that died: say so instead of calling the database dirty.
 */
async function explainInProgress(
  client: PgClient,
  key: AdvisoryKey,
  plan: Plan,
  fail: (m: string) => never,
): Promise<void> {
  if (plan.dirty.length === 0) return;
  const holder = await findLockHolder(client, key);
  if (!holder) return;
  fail(
    `A migration run is in progress (the migration lock is held by ${describeLockHolder(holder)}); it is applying ${plan.dirty.map((d) => d.script).join(', ')}. Run plan again when it has finished.`,
  );
}

function record(result: MigrateDbResult, plan: Plan): void {
  result.entries = plan.entries;
  result.pending = plan.pending.map((m) => ({
    label: m.kind === 'versioned' ? `V${m.version} ${m.description}` : `R ${m.description}`,
    file: m.displayPath,
    mode: m.mode,
    ...(plan.entries.find((e) => e.script === m.script)?.note
      ? { note: plan.entries.find((e) => e.script === m.script)?.note as string }
      : {}),
  }));
  if (plan.currentVersion !== undefined) result.currentVersion = plan.currentVersion;
  else delete result.currentVersion;
  result.problems = plan.problems;
}

function gateLint(result: MigrateDbResult, failOn: FailOn, fail: (m: string, a?: Annotation[]) => never): void {
  const failing = failingFindings(result.findings, failOn);
  if (failing.length === 0) return;
  const first = failing[0] as Finding;
  fail(
    `Lint found ${failing.length} problem${failing.length > 1 ? 's' : ''} at or above fail-on: ${failOn}; first: ${first.file}:${first.line}: [${first.rule}] ${first.message}. Fix them, suppress one with "-- ralph:lint-ignore <rule>" above the statement, or set fail-on`,
  );
}

function validate(
  plan: Plan,
  files: PreparedMigration[],
  o: MigrateDbOptions,
  fail: (m: string, a?: Annotation[]) => never,
): void {
  if (plan.dirty.length > 0) {
    const msg = dirtyMessage(plan.dirty, files, qualified(o.history));
    const annotations: Annotation[] = plan.dirty.map((d) => ({
      level: 'error',
      file: files.find((f) => f.script === d.script)?.displayPath ?? d.script,
      message: msg,
    }));
    fail(msg, annotations);
  }
  if (plan.problems.length > 0) {
    const annotations: Annotation[] = plan.problems.map((p) => ({
      level: 'error',
      file: p.file,
      ...(p.line ? { line: p.line } : {}),
      message: p.message,
    }));
    const where = (p: Plan['problems'][number]) =>
      `${p.file}${p.line ? `:${p.line}` : ''}${p.column ? `:${p.column}` : ''}`;
    if (plan.problems.length === 1) {
      const p = plan.problems[0] as Plan['problems'][number];
      fail(`${where(p)}: ${p.message}; nothing was applied`, annotations);
    }
    fail(
      `Validation failed with ${plan.problems.length} problems; nothing was applied: ${plan.problems.map((p) => `${where(p)}: ${p.message}`).join(' | ')}`,
      annotations,
    );
  }
}

/** What repair or baseline would do, for dry-run. */
function planMaintenance(o: MigrateDbOptions, plan: Plan, result: MigrateDbResult, fail: (m: string) => never): void {
  if (o.command === 'baseline') {
    checkBaseline(o, plan, fail);
    o.log.info(`dry-run: would record baseline version ${normalizeVersion(o.baselineVersion as string)}`);
    return;
  }
  result.repairs = repairActions(plan);
  for (const r of result.repairs) o.log.info(`dry-run: would ${r.action}: ${r.script}`);
}

function checkBaseline(o: MigrateDbOptions, plan: Plan, fail: (m: string) => never): void {
  if (!o.baselineVersion) throw new ActionError(`Input 'baseline-version' is required for command: baseline`);
  const applied = plan.entries.filter(
    (e) =>
      e.state === 'applied' ||
      e.state === 'baseline' ||
      e.state === 'changed' ||
      e.state === 'missing' ||
      e.state === 'failed',
  );
  if (applied.length > 0) {
    fail(
      `command: baseline adopts a database without migration history, but ${qualified(o.history)} already has ${applied.length} entr${applied.length > 1 ? 'ies' : 'y'} (current version ${plan.currentVersion ?? 'none'}); nothing was changed`,
    );
  }
}

function repairActions(plan: Plan): RepairAction[] {
  const actions: RepairAction[] = [];
  for (const d of plan.dirty)
    actions.push({ action: 'removed failed entry', script: d.script, ...(d.error ? { detail: d.error } : {}) });
  for (const e of plan.entries) {
    if (e.state === 'changed') actions.push({ action: 'realigned checksum', script: e.script });
    if (e.state === 'missing' && e.kind === 'repeatable')
      actions.push({ action: 'forgot missing repeatable', script: e.script });
  }
  return actions;
}

async function maintenance(
  o: MigrateDbOptions,
  plan: Plan,
  result: MigrateDbResult,
  history: History,
  fail: (m: string) => never,
): Promise<void> {
  if (o.command === 'baseline') {
    checkBaseline(o, plan, fail);
    const version = normalizeVersion(o.baselineVersion as string);
    await history.insert(
      {
        version,
        description: '<< baseline >>',
        type: 'baseline',
        script: '<< baseline >>',
        checksum: null,
        executionMs: 0,
        success: true,
      },
      o.who,
    );
    o.log.info(`Recorded baseline version ${version}: migrations up to it count as applied`);
    return;
  }
  // repair: look up the rows behind each action.
  const rows = await history.rows();
  const files = discoverMigrations(o.migrationsDir, o.workspace ? { workspace: o.workspace } : {});
  result.repairs = repairActions(plan);
  await history.deleteRows(plan.dirty.map((d) => d.installedRank));
  for (const r of result.repairs) {
    if (r.action === 'realigned checksum') {
      const file = files.find((f) => f.script === r.script);
      const row = rows
        .filter((x) => x.success && x.type === 'versioned' && file?.version !== undefined && x.version === file.version)
        .pop();
      if (file && row) await history.updateChecksum(row.installedRank, file.checksum);
    } else if (r.action === 'forgot missing repeatable') {
      await history.deleteRows(
        rows.filter((x) => x.type === 'repeatable' && x.script === r.script).map((x) => x.installedRank),
      );
    }
    o.log.info(`repair: ${r.action}: ${r.script}${r.detail ? ` (${r.detail})` : ''}`);
  }
  if (result.repairs.length === 0) o.log.info('repair: nothing to repair');
}
