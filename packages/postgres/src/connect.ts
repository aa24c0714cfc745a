import pg from 'pg';
import { ActionError, errorMessage, redactUrl, type Logger } from '@ralph-deploy/common';

export type PgClient = pg.Client;

export interface ConnectOptions {
  /** Shown in pg_stat_activity, so a DBA can see who holds a lock. */
  applicationName?: string;
  connectTimeoutMs?: number;
  /** Receives the URL's password before anything can print it. */
  log?: Pick<Logger, 'mask'>;
}

/**
 * Opens one client connection. The error names the server (with the password redacted) and never
 * carries the password itself.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  options.log?.mask(url);
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName ?? 'ralph-deploy',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  try {
    await client.connect();
  } catch (e: unknown) {
    await client.end().catch(() => undefined);
    throw new ActionError(`cannot connect to ${redactUrl(url)}: ${errorMessage(e)}`, { cause: e });
  }
  // An idle connection error must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  return client;
}

/** The server's version as a number, e.g. 150018 for 15.18 (server_version_num). */
export async function serverVersionNum(client: pg.Client): Promise<number> {
  const r = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Number(r.rows[0]?.v);
}

/** Quotes an identifier for SQL text (for names that cannot be bind parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Same URL pointing at another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}
