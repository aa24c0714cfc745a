import { readCreateIndex } from '../analyze.js';
import { isWord } from '../../sql/tokens.js';
import type { LintRule } from '../types.js';

/** Index builds and drops that block writes on a live table. */
export const indexRules: LintRule[] = [
  {
    id: 'index-without-concurrently',
    severity: 'error',
    reason:
      'CREATE INDEX without CONCURRENTLY blocks every write to the table (SHARE lock) until the whole index is built',
    alternative:
      'CREATE INDEX CONCURRENTLY in a file of its own (it cannot run in a transaction); migrate-db runs it outside one',
    check: (ctx) => {
      const ci = readCreateIndex(ctx.statement.tokens);
      if (!ci || ci.concurrently || !ci.table || ctx.createdInFile.has(ci.table.name)) return [];
      return [{ token: ctx.statement.tokens[0], detail: `on ${ci.table.name}` }];
    },
  },
  {
    id: 'drop-index-without-concurrently',
    severity: 'warning',
    reason:
      'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table, queueing all reads and writes behind any running query',
    alternative: 'DROP INDEX CONCURRENTLY IF EXISTS ... in a file of its own',
    check: (ctx) => {
      const t = ctx.statement.tokens;
      if (!isWord(t[0], 'DROP') || !isWord(t[1], 'INDEX') || isWord(t[2], 'CONCURRENTLY')) return [];
      return [{ token: t[0] }];
    },
  },
];
