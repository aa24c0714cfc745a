import { expect } from '@jest/globals';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction, type RunResult, type RunOptions } from '../harness/run-action.js';
import type { PostgresService } from '../harness/services.js';

export const examplesDir = join(repoRoot, 'examples', 'db', 'migrations');

/** A workspace with a migrations directory: a copy of the examples, or the given files. */
export function workspace(files?: Record<string, string>): { dir: string; migrations: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-migrate-ws-'));
  const migrations = join(dir, 'db', 'migrations');
  if (files) {
    mkdirSync(migrations, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(migrations, name), text);
  } else cpSync(examplesDir, migrations, { recursive: true });
  return { dir, migrations };
}

let dbCounter = 0;
export async function freshDatabase(pg: PostgresService): Promise<{ name: string; url: string }> {
  const name = `m${process.pid}_${++dbCounter}`;
  return { name, url: await pg.createDatabase(name) };
}

/**
 * Runs the migrate-db bundle and asserts that the database password is nowhere the user can see
 * it: log, summary, outputs, annotations, errors.
 */
export async function migrateDb(
  pg: PostgresService,
  ws: { dir: string },
  inputs: RunOptions['inputs'],
  options: Omit<RunOptions, 'inputs' | 'cwd'> = {},
): Promise<RunResult> {
  const r = await runAction('migrate-db', { ...options, cwd: ws.dir, inputs, timeoutMs: options.timeoutMs ?? 120_000 });
  assertNoLeak(r, pg.password);
  return r;
}

export function assertNoLeak(r: RunResult, password: string): void {
  const visible = [r.log, r.summary, JSON.stringify(r.outputs), JSON.stringify(r.annotations), r.errors.join('\n')];
  if (r.outputs.report && existsSync(r.outputs.report)) visible.push(readFileSync(r.outputs.report, 'utf8'));
  for (const text of visible) {
    expect(text.includes(password)).toBe(false);
    expect(text.includes(encodeURIComponent(password))).toBe(false);
  }
}

/** The history rows of a database, ordered. */
export async function historyRows(pg: PostgresService, db: string, table = 'public.ralph_migrations') {
  const r = await pg.query<{
    version: string | null;
    script: string;
    type: string;
    success: boolean;
    applied_by: string;
    commit_sha: string;
    run_id: string;
    checksum: string;
    execution_ms: number;
  }>(
    `SELECT version, script, type, success, applied_by, commit_sha, run_id, checksum, execution_ms FROM ${table} ORDER BY installed_rank`,
    [],
    db,
  );
  return r.rows;
}
