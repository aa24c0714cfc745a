import { spawn } from 'node:child_process';
import type { PostgresService } from '../../../test/harness/services.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** pg_dump's connection arguments for `database` on the test server. */
export function pgArgs(pg: PostgresService, database: string): string[] {
  return ['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', database];
}

/**
 * A custom-format archive as pg_dump writes it to a pipe, the way the backup runs it: no data
 * offsets in its table of contents. `args` come after --format=custom (a later --compress wins).
 */
export async function dumpToPipe(pg: PostgresService, database: string, args: string[]): Promise<Buffer> {
  const child = spawn(`${PG_BIN}/pg_dump`, ['--format=custom', ...args, ...pgArgs(pg, database)], {
    env: { ...process.env, PGPASSWORD: pg.password },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chunks: Buffer[] = [];
  for await (const c of child.stdout) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
