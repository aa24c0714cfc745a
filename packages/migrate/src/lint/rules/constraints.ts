import { readAlterTable } from '../analyze.js';
import { wordsAt } from '../../sql/tokens.js';
import type { LintRule } from '../types.js';

/** Constraints whose validation scans a live table while holding a lock. */
export const constraintRules: LintRule[] = [
  {
    id: 'constraint-without-not-valid',
    severity: 'warning',
    reason:
      'adding a FOREIGN KEY or CHECK constraint validates every row while holding a lock that blocks writes (on both tables for a foreign key)',
    alternative:
      'ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later migration (it takes a weaker lock)',
    check: (ctx) => {
      const at = readAlterTable(ctx.statement.tokens);
      if (!at || ctx.createdInFile.has(at.table.name)) return [];
      return at.actions
        .filter(
          (a) => a.kind === 'add-constraint' && (a.constraintType === 'FOREIGN KEY' || a.constraintType === 'CHECK'),
        )
        .filter((a) => !a.tokens.some((_, i) => wordsAt(a.tokens, i, 'NOT', 'VALID')))
        .map((a) => ({ token: a.tokens[0], detail: `${a.constraintType} on ${at.table.name}` }));
    },
  },
  {
    id: 'unique-constraint-without-index',
    severity: 'warning',
    reason: 'ADD PRIMARY KEY / UNIQUE builds its index while blocking writes to the table',
    alternative:
      'CREATE UNIQUE INDEX CONCURRENTLY first (own file), then ADD CONSTRAINT ... UNIQUE USING INDEX / PRIMARY KEY USING INDEX',
    check: (ctx) => {
      const at = readAlterTable(ctx.statement.tokens);
      if (!at || ctx.createdInFile.has(at.table.name)) return [];
      return at.actions
        .filter(
          (a) => a.kind === 'add-constraint' && (a.constraintType === 'UNIQUE' || a.constraintType === 'PRIMARY KEY'),
        )
        .filter((a) => !a.tokens.some((_, i) => wordsAt(a.tokens, i, 'USING', 'INDEX')))
        .map((a) => ({ token: a.tokens[0], detail: `${a.constraintType} on ${at.table.name}` }));
    },
  },
];
