import {
  ActionError,
  describeRetry,
  errorMessage,
  formatDuration,
  retry,
  sleep as realSleep,
  type Annotation,
  type Logger,
} from '@ralph-deploy/common';
import type { PgClient } from '@ralph-deploy/postgres';
import { readCreateIndex } from './lint/analyze.js';
import { classify } from './sql/classifier.js';
import { migrationLabel } from './files.js';
import { dirtyAdvice } from './dirty.js';
import type { History, RunIdentity } from './history.js';
import type { PreparedMigration, PreparedStatement } from './prepare.js';

export interface RunnerOptions {
  client: PgClient;
  history: History;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  /** Extra attempts after a lock timeout (SQLSTATE 55P03). */
  lockRetries: number;
  /** Backoff ceiling of the first retry; doubles each time (full jitter). Default 1000. */
  retryBaseDelayMs?: number;
  who: RunIdentity;
  log: Logger;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface AppliedMigration {
  label: string;
  script: string;
  file: string;
  kind: 'versioned' | 'repeatable';
  version?: string;
  mode: 'transaction' | 'no-transaction';
  durationMs: number;
  attempts: number;
  statements: number;
}

/** A migration failed; nothing of it remains (transactional) or the history is now dirty. */
export class MigrationFailedError extends ActionError {
  constructor(
    message: string,
    annotations: Annotation[],
    readonly dirty: boolean,
    cause?: unknown,
  ) {
    super(message, { annotations, cause });
    this.name = 'MigrationFailedError';
  }
}

interface PgErrorLike {
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
}

export function isLockTimeout(e: unknown): boolean {
  return (e as PgErrorLike | undefined)?.code === '55P03';
}

/** Runs one statement, remembering which one failed for the error message. */
class StatementError extends Error {
  constructor(
    readonly statement: PreparedStatement,
    readonly pgError: unknown,
  ) {
    super(errorMessage(pgError));
  }
}

/** Applies migrations one by one on a connection that already holds the migration lock. */
export class Runner {
  constructor(private readonly o: RunnerOptions) {}

  async apply(m: PreparedMigration): Promise<AppliedMigration> {
    const label = migrationLabel(m);
    const started = performance.now();
    const { attempts } =
      m.mode === 'transaction' ? await this.applyInTransaction(m) : await this.applyWithoutTransaction(m);
    const durationMs = performance.now() - started;
    this.o.log.info(
      `Applied ${label} (${m.displayPath}) in ${formatDuration(durationMs)}${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
    );
    return {
      label,
      script: m.script,
      file: m.displayPath,
      kind: m.kind,
      ...(m.version ? { version: m.version } : {}),
      mode: m.mode,
      durationMs: Math.round(durationMs),
      attempts,
      statements: m.statements.length,
    };
  }

  /** One transaction for the whole file, history row included: it commits completely or leaves no trace. */
  private async applyInTransaction(m: PreparedMigration): Promise<{ attempts: number }> {
    const c = this.o.client;
    let attempts = 0;
    const total = this.o.lockRetries + 1;
    try {
      await retry(
        async (attempt) => {
          attempts = attempt;
          const started = performance.now();
          await c.query('BEGIN');
          try {
            await this.setTimeouts(true);
            for (const s of m.statements) await this.runStatement(s);
            await this.o.history.insert(
              {
                version: m.version ?? null,
                description: m.description,
                type: m.kind,
                script: m.script,
                checksum: m.effectiveChecksum,
                executionMs: performance.now() - started,
                success: true,
              },
              this.o.who,
            );
            await c.query('COMMIT');
          } catch (e: unknown) {
            await c.query('ROLLBACK').catch(() => undefined);
            throw e;
          } finally {
            // A plain SET inside the file outlives its transaction: start every migration from the session defaults.
            await c.query('RESET ALL').catch(() => undefined);
          }
        },
        this.retryOptions(m, total, (e) => isLockTimeout(e instanceof StatementError ? e.pgError : e)),
      );
    } catch (e: unknown) {
      throw this.failure(m, e, { dirty: false, attempts, total });
    }
    return { attempts };
  }

  /**
   * Each statement on its own (they cannot share a transaction). A history row marked unsuccessful
   * is written first, so a crash part-way leaves the database visibly dirty instead of half-applied
   * and forgotten.
   */
  private async applyWithoutTransaction(m: PreparedMigration): Promise<{ attempts: number }> {
    const started = performance.now();
    const rank = await this.o.history.insert(
      {
        version: m.version ?? null,
        description: m.description,
        type: m.kind,
        script: m.script,
        checksum: m.effectiveChecksum,
        executionMs: 0,
        success: false,
        error: 'in progress (or the runner died)',
      },
      this.o.who,
    );
    let maxAttempts = 1;
    const total = this.o.lockRetries + 1;
    try {
      await this.setTimeouts(false);
      for (const s of m.statements) {
        let attempts = 0;
        let lastError: unknown;
        let blocked = false;
        try {
          await retry(
            async (attempt) => {
              attempts = attempt;
              if (attempt > 1 && !(await this.safeToRetry(s))) {
                blocked = true;
                throw lastError;
              }
              try {
                await this.runStatement(s);
              } catch (e: unknown) {
                lastError = e;
                throw e;
              }
            },
            this.retryOptions(m, total, (e) => !blocked && isLockTimeout(e instanceof StatementError ? e.pgError : e)),
          );
        } finally {
          maxAttempts = Math.max(maxAttempts, attempts);
        }
      }
      await this.o.history.finish(rank, { success: true, executionMs: performance.now() - started });
    } catch (e: unknown) {
      const err = this.failure(m, e, { dirty: true, attempts: maxAttempts, total });
      const st = e instanceof StatementError ? e.statement : undefined;
      await this.o.history
        .finish(rank, {
          success: false,
          executionMs: performance.now() - started,
          error: `statement ${st ? st.index + 1 : '?'} (line ${st?.line ?? '?'}): ${errorMessage(e instanceof StatementError ? e.pgError : e)}`,
        })
        .catch((x: unknown) =>
          this.o.log.warning(`could not record the failure in the history table: ${errorMessage(x)}`),
        );
      throw err;
    } finally {
      await this.o.client.query('RESET ALL').catch(() => undefined);
    }
    return { attempts: maxAttempts };
  }

  private async setTimeouts(local: boolean): Promise<void> {
    // set_config takes bind parameters (SET does not); is_local = true is SET LOCAL.
    await this.o.client.query('SELECT set_config($1, $2, $3), set_config($4, $5, $3)', [
      'lock_timeout',
      `${Math.round(this.o.lockTimeoutMs)}ms`,
      local,
      'statement_timeout',
      `${Math.round(this.o.statementTimeoutMs)}ms`,
    ]);
  }

  private async runStatement(s: PreparedStatement): Promise<void> {
    try {
      await this.o.client.query(s.sql);
    } catch (e: unknown) {
      throw new StatementError(s, e);
    }
  }

  /** A cancelled CREATE INDEX CONCURRENTLY can leave an invalid index; retrying would then fail on the name. */
  private async safeToRetry(s: PreparedStatement): Promise<boolean> {
    const c = classify(s.tokens).nonTransactional;
    if (c === 'REINDEX CONCURRENTLY') return false;
    const ci = readCreateIndex(s.tokens);
    if (ci?.concurrently) {
      if (!ci.name) return false;
      const r = await this.o.client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
        ci.name.name,
      ]);
      return r.rows[0]?.exists !== true;
    }
    return true;
  }

  private retryOptions(m: PreparedMigration, total: number, isRetryable: (e: unknown) => boolean) {
    return {
      attempts: total,
      baseDelayMs: this.o.retryBaseDelayMs ?? 1000,
      maxDelayMs: 30_000,
      label: migrationLabel(m),
      isRetryable,
      onRetry: (info: { attempt: number; delayMs: number; error: unknown; label: string }) =>
        this.o.log.warning(
          `${describeRetry({ ...info, error: errorMessage(info.error instanceof StatementError ? info.error.pgError : info.error) }, total)} (lock_timeout ${formatDuration(this.o.lockTimeoutMs)})`,
        ),
      sleep: this.o.sleep ?? realSleep,
      ...(this.o.signal ? { signal: this.o.signal } : {}),
    };
  }

  private failure(
    m: PreparedMigration,
    e: unknown,
    o: { dirty: boolean; attempts: number; total: number },
  ): MigrationFailedError {
    if (!(e instanceof StatementError)) {
      if (e instanceof ActionError) return new MigrationFailedError(e.message, e.annotations, o.dirty, e);
      return new MigrationFailedError(
        `${m.displayPath}: ${errorMessage(e)}`,
        [{ level: 'error', file: m.displayPath, message: errorMessage(e) }],
        o.dirty,
        e,
      );
    }
    const s = e.statement;
    const pgErr = e.pgError as PgErrorLike;
    // PostgreSQL reports a 1-based character position inside the statement it was given.
    let line = s.line;
    if (pgErr.position && Number(pgErr.position) > 0)
      line = s.line + (s.sql.slice(0, Number(pgErr.position) - 1).split('\n').length - 1);
    const extra = [pgErr.detail ? `detail: ${pgErr.detail}` : '', pgErr.hint ? `hint: ${pgErr.hint}` : '']
      .filter(Boolean)
      .join('; ');
    let problem = `${errorMessage(e.pgError)}${pgErr.code ? ` [SQLSTATE ${pgErr.code}]` : ''}${extra ? ` (${extra})` : ''}`;
    if (isLockTimeout(e.pgError)) {
      problem +=
        `: could not get a lock within lock-timeout ${formatDuration(this.o.lockTimeoutMs)} in ${o.attempts} attempt${o.attempts > 1 ? 's' : ''}; another session holds a conflicting lock on the object. ` +
        `Find it: SELECT pid, state, xact_start, left(query, 80) FROM pg_stat_activity WHERE xact_start IS NOT NULL ORDER BY xact_start`;
    }
    const outcome = o.dirty
      ? `Statements before it were committed and the history is now dirty; later runs refuse until command: repair. Check first: ${dirtyAdvice(m).join('; ')}`
      : 'The migration was rolled back completely; nothing of it was applied.';
    const message = `${m.displayPath}:${line}: ${migrationLabel(m)} failed at statement ${s.index + 1}: ${problem}. ${outcome}`;
    return new MigrationFailedError(
      message,
      [
        {
          level: 'error',
          file: m.displayPath,
          line,
          message: `${problem}. ${outcome}`,
          title: `migration ${migrationLabel(m)} failed`,
        },
      ],
      o.dirty,
      e.pgError,
    );
  }
}
