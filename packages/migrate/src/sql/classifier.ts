import type { Token } from './lexer.js';
import type { Statement } from './splitter.js';
import { findTopLevelWord, isWord, leadingWords, wordsAt } from './tokens.js';

export interface Classification {
  /** Why the statement cannot run inside a transaction block, e.g. "CREATE INDEX CONCURRENTLY". */
  nonTransactional?: string;
  /** BEGIN, COMMIT, SAVEPOINT ...: migrate-db owns the transaction, so files must not. */
  transactionControl?: string;
  /** A statement the node client cannot run at all (COPY FROM STDIN). */
  unsupported?: string;
}

/**
 * Decides how a statement must run. The list follows the PostgreSQL reference pages that say
 * "cannot be executed inside a transaction block", plus ALTER TYPE ... ADD VALUE (allowed in a
 * transaction since 12, but the new value is unusable until commit, and refused before 12).
 */
export function classify(tokens: Token[]): Classification {
  const w = leadingWords(tokens, 6);
  const [a, b, c] = w;
  const has = (word: string) => tokens.some((t) => isWord(t, word));

  switch (a) {
    case 'BEGIN':
    case 'START':
    case 'END':
    case 'ABORT':
    case 'SAVEPOINT':
    case 'RELEASE':
      return { transactionControl: a === 'START' ? 'START TRANSACTION' : a };
    case 'COMMIT':
    case 'ROLLBACK':
      if (b === 'PREPARED') return { nonTransactional: `${a} PREPARED` };
      return { transactionControl: a };
    case 'PREPARE':
      if (b === 'TRANSACTION') return { transactionControl: 'PREPARE TRANSACTION' };
      return {};
    case 'VACUUM':
      return { nonTransactional: 'VACUUM' };
    case 'CLUSTER': {
      // CLUSTER without a table name reclusters every table and refuses a transaction block.
      const rest = tokens.slice(1).filter((t) => !isWord(t, 'VERBOSE'));
      return rest.length === 0 ? { nonTransactional: 'CLUSTER (all tables)' } : {};
    }
    case 'DISCARD':
      return b === 'ALL' ? { nonTransactional: 'DISCARD ALL' } : {};
    case 'REINDEX': {
      const target = tokens.find((t, i) => i > 0 && isWord(t, 'INDEX', 'TABLE', 'SCHEMA', 'DATABASE', 'SYSTEM'));
      if (has('CONCURRENTLY')) return { nonTransactional: 'REINDEX CONCURRENTLY' };
      if (target && target.value !== 'INDEX' && target.value !== 'TABLE')
        return { nonTransactional: `REINDEX ${target.value}` };
      return {};
    }
    case 'COPY':
      if (findTopLevelWord(tokens, 1, 'FROM') >= 0 && tokens.some((t) => isWord(t, 'STDIN'))) {
        return {
          unsupported:
            'COPY ... FROM STDIN needs psql to stream the data; use INSERT statements or COPY from a file on the server',
        };
      }
      return {};
    case 'ALTER':
      if (b === 'SYSTEM') return { nonTransactional: 'ALTER SYSTEM' };
      if (
        b === 'TYPE' &&
        findTopLevelWord(tokens, 2, 'ADD') >= 0 &&
        isWord(tokens[findTopLevelWord(tokens, 2, 'ADD') + 1], 'VALUE')
      ) {
        return { nonTransactional: 'ALTER TYPE ... ADD VALUE' };
      }
      if (b === 'DATABASE' && wordsAtAny(tokens, 'SET', 'TABLESPACE'))
        return { nonTransactional: 'ALTER DATABASE ... SET TABLESPACE' };
      if (
        b === 'SUBSCRIPTION' &&
        (has('REFRESH') ||
          wordsAtAny(tokens, 'ADD', 'PUBLICATION') ||
          wordsAtAny(tokens, 'DROP', 'PUBLICATION') ||
          wordsAtAny(tokens, 'SET', 'PUBLICATION'))
      ) {
        return { nonTransactional: 'ALTER SUBSCRIPTION (refreshing publications)' };
      }
      if (b === 'TABLE' && wordsAtAny(tokens, 'DETACH', 'PARTITION') && has('CONCURRENTLY')) {
        return { nonTransactional: 'ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY' };
      }
      return {};
    case 'CREATE':
    case 'DROP': {
      // CREATE [UNIQUE] INDEX CONCURRENTLY; DROP INDEX CONCURRENTLY
      const k = b === 'UNIQUE' ? c : b;
      const afterKind = b === 'UNIQUE' ? 3 : 2;
      if (k === 'INDEX' && isWord(tokens[afterKind], 'CONCURRENTLY'))
        return { nonTransactional: `${a} INDEX CONCURRENTLY` };
      if (b === 'DATABASE' || b === 'TABLESPACE') return { nonTransactional: `${a} ${b}` };
      if (b === 'SUBSCRIPTION') {
        // CREATE SUBSCRIPTION refuses a transaction block unless create_slot = false; DROP when a slot is attached.
        return { nonTransactional: `${a} SUBSCRIPTION` };
      }
      return {};
    }
    default:
      return {};
  }
}

function wordsAtAny(tokens: Token[], ...words: string[]): boolean {
  for (let i = 0; i < tokens.length; i++) if (wordsAt(tokens, i, ...words)) return true;
  return false;
}

export type TransactionMode = 'transaction' | 'no-transaction';

export interface FileClassification {
  mode: TransactionMode;
  /** Problems that make the file impossible to run as written (with the statement they point at). */
  problems: {
    rule: 'transaction-control' | 'mixed-transaction' | 'unsupported-statement';
    statement: Statement;
    message: string;
  }[];
}

/**
 * Decides how a whole file runs. A file whose statements all run in a transaction gets one; a file
 * made only of non-transactional statements (or marked `-- ralph:no-transaction`) runs each statement
 * on its own; a file that mixes both is refused, because running it either way would be wrong.
 */
export function classifyFile(
  statements: Statement[],
  options: { noTransactionHeader: boolean; suggestedSplitName?: string },
): FileClassification {
  const problems: FileClassification['problems'] = [];
  const nonTx: { statement: Statement; why: string }[] = [];
  const tx: Statement[] = [];
  for (const s of statements) {
    const c = classify(s.tokens);
    if (c.transactionControl) {
      problems.push({
        rule: 'transaction-control',
        statement: s,
        message: `${c.transactionControl} is not allowed in a migration: migrate-db runs each file in its own transaction (or, for non-transactional files, each statement on its own); remove it`,
      });
    } else if (c.unsupported) {
      problems.push({ rule: 'unsupported-statement', statement: s, message: c.unsupported });
    } else if (c.nonTransactional) nonTx.push({ statement: s, why: c.nonTransactional });
    else tx.push(s);
  }
  if (options.noTransactionHeader) return { mode: 'no-transaction', problems };
  if (nonTx.length > 0 && tx.length > 0) {
    const first = nonTx[0] as { statement: Statement; why: string };
    const txLines = tx
      .slice(0, 5)
      .map((s) => s.line)
      .join(', ');
    problems.push({
      rule: 'mixed-transaction',
      statement: first.statement,
      message:
        `${first.why} cannot run inside a transaction, but this file also has statements that must (line${tx.length > 1 ? 's' : ''} ${txLines}${tx.length > 5 ? ', ...' : ''}). ` +
        `Move the ${nonTx.length > 1 ? `${nonTx.length} non-transactional statements (lines ${nonTx.map((x) => x.statement.line).join(', ')})` : 'statement'} into a file of ${nonTx.length > 1 ? 'their' : 'its'} own` +
        `${options.suggestedSplitName ? ` (e.g. ${options.suggestedSplitName})` : ''}, or put "-- ralph:no-transaction" at the top to run every statement of this file on its own without a transaction`,
    });
  }
  return { mode: nonTx.length > 0 && tx.length === 0 ? 'no-transaction' : 'transaction', problems };
}
