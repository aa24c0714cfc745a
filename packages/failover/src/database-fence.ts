import { errorMessage, redactUrl, type Logger } from '@ralph-deploy/common';
import { connect, quoteIdent, type PgClient } from '@ralph-deploy/postgres';

export type DatabaseFenceState =
  | { kind: 'unreachable'; error: string }
  | { kind: 'open'; database: string; sessions: number }
  | { kind: 'fenced'; database: string; sessions: number };

const CONNECT_TIMEOUT_MS = 5_000;

async function withClient<T>(url: string, log: Logger, fn: (c: PgClient) => Promise<T>): Promise<T> {
  const client = await connect(url, {
    applicationName: 'ralph-deploy failover fence',
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    log,
  });
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function currentState(c: PgClient): Promise<{ database: string; readOnly: boolean; sessions: number }> {
  // The database-level default lives in pg_db_role_setting (setrole 0 = for every role).
  const r = await c.query<{ database: string; read_only: boolean; sessions: number }>(
    `SELECT current_database() AS database,
            EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                    WHERE d.datname = current_database() AND s.setrole = 0
                      AND 'default_transaction_read_only=on' = ANY (s.setconfig)) AS read_only,
            (SELECT count(*)::int FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend') AS sessions`,
  );
  const row = r.rows[0];
  return { database: row?.database ?? '?', readOnly: row?.read_only === true, sessions: row?.sessions ?? 0 };
}

/** Whether the old primary's database already refuses writes by default. Never changes anything. */
export async function observeDatabaseFence(url: string, log: Logger): Promise<DatabaseFenceState> {
  try {
    return await withClient(url, log, async (c) => {
      const s = await currentState(c);
      return { kind: s.readOnly ? 'fenced' : 'open', database: s.database, sessions: s.sessions };
    });
  } catch (e: unknown) {
    return { kind: 'unreachable', error: errorMessage(e) };
  }
}

/**
 * Stops writes to the old primary's database: new sessions default to read-only, and every other
 * client session (which may still be read-write) is terminated, so the application reconnects
 * read-only. A session that explicitly asks for a read-write transaction can still write: the
 * database owner or an administrator must be the only ones who can do that, which is the case for
 * an application that does not issue SET TRANSACTION READ WRITE.
 */
export async function fenceDatabase(url: string, log: Logger): Promise<{ database: string; terminated: number }> {
  return withClient(url, log, async (c) => {
    const { database } = await currentState(c);
    await c.query(`ALTER DATABASE ${quoteIdent(database)} SET default_transaction_read_only = on`);
    const r = await c.query<{ terminated: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS terminated FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    log.info(
      `${redactUrl(url)}: database ${database} set read-only; ${r.rows[0]?.terminated ?? 0} session(s) terminated`,
    );
    return { database, terminated: r.rows[0]?.terminated ?? 0 };
  });
}
