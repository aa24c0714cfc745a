import { columnDefinition, functionCalls, readAlterTable } from '../analyze.js';
import type { LintRule, RuleContext, RuleHit } from '../types.js';
import type { AlterAction } from '../analyze.js';

/** Volatile built-ins (pg_proc.provolatile = 'v'); connected lint also asks the catalog. */
const VOLATILE = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'setval',
  'txid_current',
  'random_normal',
]);

/** ALTER TABLE actions on an existing table, one hit per matching action. */
function onExistingTable(ctx: RuleContext, match: (a: AlterAction) => RuleHit | undefined): RuleHit[] {
  const at = readAlterTable(ctx.statement.tokens);
  if (!at || ctx.createdInFile.has(at.table.name)) return [];
  return at.actions.map(match).filter((h): h is RuleHit => h !== undefined);
}

/** Column changes that fail or rewrite/scan the table under an exclusive lock. */
export const columnRules: LintRule[] = [
  {
    id: 'add-column-not-null-without-default',
    severity: 'error',
    reason: 'adding a NOT NULL column without a DEFAULT fails as soon as the table has rows',
    alternative:
      'add it with a constant DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, backfill in batches, then enforce NOT NULL',
    check: (ctx) =>
      onExistingTable(ctx, (a) => {
        if (a.kind !== 'add-column') return undefined;
        const d = columnDefinition(a);
        return d.notNull && !d.defaultTokens && !d.generated
          ? { token: a.tokens[0], detail: `column ${a.column}` }
          : undefined;
      }),
  },
  {
    id: 'set-not-null',
    severity: 'warning',
    reason: 'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock',
    alternative:
      'ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (in a later file); then SET NOT NULL uses it without a scan (PostgreSQL 12+) and the CHECK can go',
    check: (ctx) =>
      onExistingTable(ctx, (a) =>
        a.kind === 'set-not-null' ? { token: a.tokens[0], detail: `column ${a.column}` } : undefined,
      ),
  },
  {
    id: 'column-type-change',
    severity: 'warning',
    reason:
      'changing a column type usually rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (only binary-compatible changes such as varchar(n) -> text are free)',
    alternative:
      'add a new column, backfill it in batches, switch the application, then drop the old column in a later release',
    check: (ctx) =>
      onExistingTable(ctx, (a) =>
        a.kind === 'alter-type' ? { token: a.tokens[0], detail: `column ${a.column}` } : undefined,
      ),
  },
  {
    id: 'volatile-default',
    severity: 'warning',
    reason:
      'a column added with a volatile DEFAULT (random(), gen_random_uuid(), clock_timestamp() ...) rewrites the whole table under an ACCESS EXCLUSIVE lock',
    alternative:
      'add the column without a default (or with a constant one), set the default separately, and backfill existing rows in batches',
    check: (ctx) =>
      onExistingTable(ctx, (a) => {
        if (a.kind !== 'add-column') return undefined;
        const d = columnDefinition(a);
        const call = functionCalls(d.defaultTokens ?? []).find(
          (f) => VOLATILE.has(f.name) || ctx.catalog?.volatileFunctions.has(f.name),
        );
        return call ? { token: call.token, detail: `${call.name}() on column ${a.column}` } : undefined;
      }),
  },
];

/** Function names used in ADD COLUMN defaults, for the connected catalog lookup. */
export function defaultFunctionNames(ctx: Pick<RuleContext, 'statement'>): string[] {
  const at = readAlterTable(ctx.statement.tokens);
  if (!at) return [];
  return at.actions
    .filter((a) => a.kind === 'add-column')
    .flatMap((a) => functionCalls(columnDefinition(a).defaultTokens ?? []).map((f) => f.name));
}
