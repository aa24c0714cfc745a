import { classify } from '../../sql/classifier.js';
import type { LintRule } from '../types.js';

/**
 * Rules about transactions. The last four are reported while the file is prepared (they make it
 * impossible to run as written); they are listed here for their reason and alternative.
 */
export const transactionRules: LintRule[] = [
  {
    id: 'concurrently-in-transaction',
    severity: 'error',
    reason:
      'a CONCURRENTLY operation (or another non-transactional statement) inside BEGIN ... COMMIT fails: it cannot run in a transaction block',
    alternative:
      'remove BEGIN/COMMIT and put the statement in a file of its own; migrate-db runs it outside a transaction',
    check: (ctx) => {
      const c = classify(ctx.statement.tokens);
      if (!ctx.inExplicitTransaction || !c.nonTransactional) return [];
      return [{ token: ctx.statement.tokens[0], detail: c.nonTransactional }];
    },
  },
  {
    id: 'transaction-control',
    severity: 'error',
    reason: 'BEGIN/COMMIT/ROLLBACK/SAVEPOINT in a migration fight the transaction migrate-db opens for each file',
    alternative:
      'remove them: each file is one transaction; split work that must commit separately into separate files',
  },
  {
    id: 'mixed-transaction',
    severity: 'error',
    reason: 'the file mixes statements that cannot run in a transaction with statements that should',
    alternative: 'move the non-transactional statements into their own file, or mark the file -- ralph:no-transaction',
  },
  {
    id: 'unsupported-statement',
    severity: 'error',
    reason: 'the statement needs psql (COPY FROM STDIN) and cannot run through a database driver',
    alternative: 'use INSERT statements, or COPY from a file on the server',
  },
  {
    id: 'sql-syntax',
    severity: 'error',
    reason: 'the file cannot be split into statements (unterminated string or comment, or a psql meta-command)',
    alternative: 'fix the quoting; replace psql meta-commands (\\c, \\i, \\set) with plain SQL',
  },
  {
    id: 'unknown-placeholder',
    severity: 'error',
    reason: 'a ${name} placeholder has no value',
    alternative: 'set it in the placeholders input or the spec, or mark the file -- ralph:no-placeholders',
  },
  {
    id: 'empty-file',
    severity: 'error',
    reason: 'the migration has no statements',
    alternative: 'delete the file or add its SQL',
  },
];
