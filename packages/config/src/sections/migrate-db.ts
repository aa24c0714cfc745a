import { z } from 'zod';
import { input } from '../inputs.js';

/** A placeholder value: text, or `{ env: NAME }` for a value (e.g. a password) that must not live in the spec. */
const placeholderValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }),
]);
const placeholderName = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** migrate-db's inputs: the contract shared by action.yml, its README and the spec's `migrate-db` section. */
export const migrateDbInputs = {
  'database-url': input.secret({
    description:
      'PostgreSQL connection URL, e.g. postgres://user:pass@host:5432/db?sslmode=require (masked, password included). Required for every command except lint (where it adds live-catalog checks).',
  }),
  migrations: input.string({
    description:
      'Directory of V<version>__<description>.sql and R__<description>.sql files, searched recursively (default db/migrations).',
    default: 'db/migrations',
  }),
  command: input.enum(['migrate', 'plan', 'status', 'lint', 'repair', 'baseline'] as const, {
    description:
      'migrate: lint, validate and apply pending migrations. plan: show what would run, change nothing. status: applied and pending migrations. lint: check the files. repair: clear failed (dirty) entries and realign checksums. baseline: adopt an existing database at baseline-version. Default migrate.',
    default: 'migrate',
  }),
  'lock-timeout': input.duration({
    description:
      'lock_timeout for every migration statement, so DDL never queues behind a long transaction (default 5s).',
    default: '5s',
  }),
  'statement-timeout': input.duration({
    description: 'statement_timeout for every migration statement (default 15m).',
    default: '15m',
  }),
  'lock-wait-timeout': input.duration({
    description:
      "How long to wait for another runner's migration lock (a session-level advisory lock) before failing (default 10m).",
    default: '10m',
  }),
  'lock-retries': input.number({
    description:
      'How many more times a migration that hit lock_timeout (SQLSTATE 55P03) is retried, with jittered exponential backoff (default 3).',
    default: 3,
    min: 0,
    max: 20,
    integer: true,
  }),
  'history-table': input.string({
    description: 'Name of the history table (default ralph_migrations).',
    default: 'ralph_migrations',
    pattern: /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/,
    patternHint: 'is not a plain SQL identifier (letters, digits, _ and $, at most 63 characters)',
  }),
  'history-schema': input.string({
    description: 'Schema of the history table; created if missing (default public).',
    default: 'public',
    pattern: /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/,
    patternHint: 'is not a plain SQL identifier (letters, digits, _ and $, at most 63 characters)',
  }),
  'fail-on': input.enum(['error', 'warning', 'never'] as const, {
    description:
      'Lint findings at or above this level fail the run (never: report only). migrate and plan lint the pending files first (default error).',
    default: 'error',
  }),
  'allow-out-of-order': input.boolean({
    description: 'Apply a pending version older than the newest applied one instead of failing (default false).',
    default: false,
  }),
  placeholders: input.structured(
    z.record(z.string().regex(placeholderName, 'placeholder names are letters, digits, _, . and -'), placeholderValue),
    {
      description:
        'Values for ${name} in migrations, as a YAML/JSON mapping (name: value). In the spec a value may be { env: NAME } to read it from an environment variable (masked).',
      default: {},
    },
  ),
  'baseline-version': input.string({
    description:
      'For command: baseline, the version the existing database is at; versions up to it are treated as applied.',
    pattern: /^\d+([._]\d+)*$/,
    patternHint: 'is not a version (digits separated by . or _, e.g. 3 or 2.1)',
  }),
};
