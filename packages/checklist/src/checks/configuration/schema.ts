/** What one env key must look like. */
export interface EnvKeySpec {
  type:
    | 'string'
    | 'int'
    | 'number'
    | 'boolean'
    | 'url'
    | 'enum'
    | 'rate-limit'
    | 'origins'
    | 'hosts'
    | 'port'
    | 'secret-ref';
  required?: boolean;
  /** Another key that satisfies `required` instead (SECRET_KEY or SECRET_KEY_SECRET). */
  or?: string;
  min?: number;
  max?: number;
  /** For url: allowed schemes without the colon. */
  schemes?: string[];
  /** For enum. */
  values?: string[];
  caseInsensitive?: boolean;
}

export type EnvSchema = Record<string, EnvKeySpec>;

/** The guide's .env.production, as a schema: what its keys mean and their sane bounds. */
export const GUIDE_ENV_SCHEMA: EnvSchema = {
  RALPH_AGENT: { type: 'enum', values: ['auto', 'claude', 'gemini', 'q', 'acp'], required: true },
  RALPH_MAX_ITERATIONS: { type: 'int', min: 1, max: 10_000, required: true },
  RALPH_MAX_RUNTIME: { type: 'int', min: 60, max: 86_400, required: true },
  RALPH_MAX_TOKENS: { type: 'int', min: 1_000, max: 100_000_000, required: true },
  RALPH_MAX_COST: { type: 'number', min: 0.01, max: 10_000, required: true },
  DATABASE_URL: { type: 'url', schemes: ['postgres', 'postgresql'], required: true },
  DATABASE_POOL_SIZE: { type: 'int', min: 1, max: 200 },
  DATABASE_MAX_OVERFLOW: { type: 'int', min: 0, max: 500 },
  REDIS_URL: { type: 'url', schemes: ['redis', 'rediss'], required: true },
  REDIS_POOL_SIZE: { type: 'int', min: 1, max: 1_000 },
  REDIS_TTL: { type: 'int', min: 1, max: 604_800 },
  ENABLE_METRICS: { type: 'boolean' },
  METRICS_PORT: { type: 'port' },
  LOG_LEVEL: {
    type: 'enum',
    values: ['DEBUG', 'INFO', 'WARNING', 'WARN', 'ERROR', 'CRITICAL'],
    caseInsensitive: true,
    required: true,
  },
  SENTRY_DSN: { type: 'url', schemes: ['https'] },
  SECRET_KEY: { type: 'secret-ref', required: true, or: 'SECRET_KEY_SECRET' },
  SECRET_KEY_SECRET: { type: 'secret-ref' },
  ENCRYPTION_KEY: { type: 'secret-ref', required: true, or: 'ENCRYPTION_KEY_SECRET' },
  ENCRYPTION_KEY_SECRET: { type: 'secret-ref' },
  API_RATE_LIMIT: { type: 'rate-limit' },
  ALLOWED_HOSTS: { type: 'hosts', required: true },
  CORS_ORIGINS: { type: 'origins' },
  CLAUDE_API_KEY_SECRET: { type: 'secret-ref' },
  GEMINI_API_KEY_SECRET: { type: 'secret-ref' },
};

const TYPES = [
  'string',
  'int',
  'number',
  'boolean',
  'url',
  'enum',
  'rate-limit',
  'origins',
  'hosts',
  'port',
  'secret-ref',
];

/** Validates a schema given in a checklist (`schema:` of a configuration check). */
export function parseEnvSchema(v: unknown): EnvSchema {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error("'schema' must be a mapping of KEY: { type, required, min, max, ... }");
  const out: EnvSchema = {};
  for (const [key, spec] of Object.entries(v as Record<string, unknown>)) {
    if (typeof spec !== 'object' || spec === null) throw new Error(`'schema.${key}' must be a mapping`);
    const s = spec as Record<string, unknown>;
    if (typeof s.type !== 'string' || !TYPES.includes(s.type))
      throw new Error(`'schema.${key}.type' must be one of ${TYPES.join(', ')}`);
    for (const n of ['min', 'max'] as const)
      if (s[n] !== undefined && typeof s[n] !== 'number') throw new Error(`'schema.${key}.${n}' must be a number`);
    out[key] = {
      type: s.type as EnvKeySpec['type'],
      ...(s.required !== undefined ? { required: s.required === true } : {}),
      ...(typeof s.or === 'string' ? { or: s.or } : {}),
      ...(typeof s.min === 'number' ? { min: s.min } : {}),
      ...(typeof s.max === 'number' ? { max: s.max } : {}),
      ...(Array.isArray(s.schemes) ? { schemes: s.schemes.map(String) } : {}),
      ...(Array.isArray(s.values) ? { values: s.values.map(String) } : {}),
      ...(s['case-insensitive'] === true ? { caseInsensitive: true } : {}),
    };
  }
  return out;
}
