import { isWord } from '../../sql/tokens.js';
import type { LintRule } from '../types.js';

/** Secrets written into version control. */
export const securityRules: LintRule[] = [
  {
    id: 'password-literal',
    severity: 'error',
    reason: 'a literal password in a migration is stored in git history and in every copy of the repository',
    alternative:
      "use a placeholder filled from a secret (PASSWORD '${app_password}' with placeholders: { app_password: { env: APP_DB_PASSWORD } }), or manage roles outside migrations",
    check: (ctx) => {
      const t = ctx.statement.tokens;
      if (!isWord(t[0], 'CREATE', 'ALTER') || !isWord(t[1], 'ROLE', 'USER', 'GROUP')) return [];
      const hits = [];
      for (let i = 2; i + 1 < t.length; i++) {
        const next = t[i + 1];
        if (isWord(t[i], 'PASSWORD') && next?.type === 'string' && next.value !== '' && !next.value.includes('${'))
          hits.push({ token: t[i] });
      }
      return hits;
    },
  },
];
