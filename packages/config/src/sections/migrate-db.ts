import { input } from '../inputs.js';

/** migrate-db's inputs: the contract shared by action.yml, its README and the spec's `migrate-db` section. */
export const migrateDbInputs = {
  'database-url': input.secret({ description: 'PostgreSQL connection URL (masked, password included).', required: true }),
  migrations: input.string({ description: 'Directory of V<version>__<description>.sql and R__<description>.sql files.', default: 'db/migrations' }),
  command: input.enum(['migrate', 'plan', 'status', 'lint', 'repair', 'baseline'] as const, { description: 'What to do.', default: 'migrate' }),
};
