import { readCreateIndex } from './lint/analyze.js';
import { classify } from './sql/classifier.js';
import type { HistoryRow } from './history.js';
import type { PreparedMigration } from './prepare.js';

/**
 * What to check before `repair` after a non-transactional migration stopped part-way: each kind of
 * statement leaves a different kind of debris.
 */
export function dirtyAdvice(file: PreparedMigration | undefined): string[] {
  const checks: string[] = [];
  const kinds = new Set(
    (file?.statements ?? [])
      .map((s) => classify(s.tokens).nonTransactional)
      .filter((k): k is string => k !== undefined),
  );
  for (const s of file?.statements ?? []) {
    const ci = readCreateIndex(s.tokens);
    if (ci?.concurrently) {
      const name = ci.name?.name;
      checks.push(
        name
          ? `a failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind: check SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('${name}'); if it is false, DROP INDEX CONCURRENTLY IF EXISTS ${name}`
          : `a failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind: list them with SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid and drop them with DROP INDEX CONCURRENTLY`,
      );
    }
  }
  if (kinds.has('REINDEX CONCURRENTLY'))
    checks.push(
      `a failed REINDEX CONCURRENTLY leaves invalid *_ccnew indexes: SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid, then DROP INDEX CONCURRENTLY them`,
    );
  if (kinds.has('ALTER TYPE ... ADD VALUE'))
    checks.push(
      `enum values added before the failure stay: check SELECT enum_range(NULL::<type>) and use ADD VALUE IF NOT EXISTS`,
    );
  if ((file?.statements.length ?? 0) > 1) {
    checks.push(
      `each statement before the failing one was committed on its own: check which took effect, and make the file safe to re-run (IF NOT EXISTS / IF EXISTS) or finish the change by hand`,
    );
  }
  if (checks.length === 0)
    checks.push(
      'check whether the statement took effect (a cancelled statement usually did not) and whether it is safe to run again',
    );
  return checks;
}

/** The one-line refusal for a dirty history, naming the failed migrations and what to check. */
export function dirtyMessage(dirty: HistoryRow[], files: PreparedMigration[], historyName: string): string {
  const parts = dirty.map((row) => {
    const file = files.find((f) => f.script === row.script);
    const advice = dirtyAdvice(file).join('; ');
    const what = `${file?.displayPath ?? row.script} failed at ${row.appliedAt.toISOString()}${row.error ? ` (${row.error})` : ''}`;
    return `${what}. Check first: ${advice}`;
  });
  return `The migration history ${historyName} is dirty: a non-transactional migration stopped part-way and was not rolled back. ${parts.join(' | ')}. Then run with command: repair to clear the failed entry; the next migrate runs the file again.`;
}
