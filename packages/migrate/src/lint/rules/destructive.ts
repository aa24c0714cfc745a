import { readAlterTable } from '../analyze.js';
import { isWord, readName, skipOptional } from '../../sql/tokens.js';
import type { LintRule } from '../types.js';

/** Changes that break the application version still running during a rolling deploy. */
export const destructiveRules: LintRule[] = [
  {
    id: 'drop-table',
    severity: 'warning',
    reason: 'DROP TABLE destroys data and breaks the application version that is still running during the rollout',
    alternative:
      'stop using the table in a release first, back it up, then drop it in a later migration (expand/contract)',
    check: (ctx) => {
      const t = ctx.statement.tokens;
      if (!isWord(t[0], 'DROP') || !isWord(t[1], 'TABLE')) return [];
      const name = readName(t, skipOptional(t, 2, ['IF', 'EXISTS']));
      if (name && ctx.createdInFile.has(name.name)) return [];
      return [{ token: t[0], detail: name?.name }];
    },
  },
  {
    id: 'drop-column',
    severity: 'warning',
    reason:
      'DROP COLUMN destroys data and breaks the running application version that still reads or writes the column',
    alternative: 'stop using the column in a release first, then drop it in a later migration (expand/contract)',
    check: (ctx) => {
      const at = readAlterTable(ctx.statement.tokens);
      if (!at || ctx.createdInFile.has(at.table.name)) return [];
      return at.actions
        .filter((a) => a.kind === 'drop-column')
        .map((a) => ({ token: a.tokens[0], detail: `${at.table.name}.${a.column}` }));
    },
  },
  {
    id: 'rename',
    severity: 'warning',
    reason: 'renaming a table, view or column breaks the application version still running with the old name',
    alternative:
      'add the new name (column, or a view over the table), switch the application, drop the old name in a later release',
    check: (ctx) => {
      const t = ctx.statement.tokens;
      const at = readAlterTable(t);
      if (at) {
        if (ctx.createdInFile.has(at.table.name)) return [];
        return at.actions
          .filter((a) => a.kind === 'rename')
          .map((a) => ({ token: a.tokens[0], detail: at.table.name }));
      }
      if (!isWord(t[0], 'ALTER')) return [];
      const kind = isWord(t[1], 'MATERIALIZED') ? 2 : 1;
      if (!isWord(t[kind], 'VIEW', 'SCHEMA')) return [];
      const rename = t.findIndex((x, i) => i > kind && isWord(x, 'RENAME') && !isWord(t[i + 1], 'CONSTRAINT'));
      return rename >= 0 ? [{ token: t[rename] }] : [];
    },
  },
];
