import { input } from '../inputs.js';

/** backup's inputs: the contract shared by action.yml, its README and the spec's `backup` section. */
export const backupInputs = {
  mode: input.enum(['backup', 'restore', 'verify', 'prune', 'check'] as const, { description: 'What to do.', default: 'backup' }),
  'database-url': input.secret({ description: 'PostgreSQL connection URL of the database to back up (masked).' }),
  destination: input.string({ description: 'Where backups live: s3://bucket/prefix or file:///path.', default: 'file:///var/backups/ralph' }),
};
