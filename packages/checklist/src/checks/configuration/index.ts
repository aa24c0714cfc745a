import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { CheckContext, CheckKind, CheckOutcome, Finding } from '../../types.js';
import { parseEnvFile, type EnvEntry } from './env-file.js';
import { GUIDE_ENV_SCHEMA, parseEnvSchema, type EnvSchema } from './schema.js';
import { findCommittedSecrets, isReference, isSecretKeyName } from './secrets.js';
import { checkValue } from './values.js';

const MIN_MASK_LENGTH = 6;

/** Whether a committed value is worth masking: long enough, and a URL only for a long password. */
function credible(value: string): boolean {
  const v = value.trim();
  if (v.length < MIN_MASK_LENGTH) return false;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return true;
  try {
    return new URL(v).password.length >= MIN_MASK_LENGTH;
  } catch {
    return true;
  }
}

export interface ConfigurationParams {
  rules: ('schema' | 'secrets')[];
  schema: EnvSchema;
  /** Keys the schema does not know: ignored, or a warning (a typo like RALPH_MAX_ITERATION). */
  unknownKeys: 'ignore' | 'warn';
  path?: string;
}

export function parseConfigurationParams(p: Record<string, unknown>): ConfigurationParams {
  const rules =
    p.rules === undefined ? ['schema', 'secrets'] : Array.isArray(p.rules) ? p.rules.map(String) : [String(p.rules)];
  for (const r of rules)
    if (r !== 'schema' && r !== 'secrets')
      throw new Error(`unknown configuration rule '${r}' (known: schema, secrets)`);
  const unknown = p['unknown-keys'] ?? 'ignore';
  if (unknown !== 'ignore' && unknown !== 'warn') throw new Error(`'unknown-keys' must be ignore or warn`);
  return {
    rules: rules as ConfigurationParams['rules'],
    schema: p.schema === undefined || p.schema === 'guide' ? GUIDE_ENV_SCHEMA : parseEnvSchema(p.schema),
    unknownKeys: unknown,
    ...(typeof p.path === 'string' ? { path: p.path } : {}),
  };
}

/** Pure evaluation of a parsed env file (what the unit tests exercise). */
export function evaluateEnv(
  text: string,
  file: string,
  p: ConfigurationParams,
  mask: (s: string) => void = () => undefined,
): Finding[] {
  const { entries, problems } = parseEnvFile(text);
  // Mask every value that could be a credential before any message is built.
  for (const e of entries) {
    // References and unevaluated $(...) text are not secrets; everything else that may be one is masked.
    if (isReference(e.value) || /\$\(|`/.test(e.raw)) continue;
    if (isSecretKeyName(e.key) || /:\/\/[^/@\s]*:[^@\s]+@/.test(e.value)) mask(e.value);
  }
  const out: Finding[] = problems.map((pr) => ({ level: 'fail', message: pr.message, file, line: pr.line, column: 1 }));
  const at = (e: EnvEntry) => ({ file, line: e.line, column: e.column });
  if (p.rules.includes('schema')) {
    const byKey = new Map(entries.map((e) => [e.key, e]));
    let good = 0;
    for (const [key, spec] of Object.entries(p.schema)) {
      const e = byKey.get(key);
      if (!e) {
        if (spec.required && !(spec.or && byKey.has(spec.or))) {
          out.push({
            level: 'fail',
            message: `required key ${key}${spec.or ? ` (or ${spec.or})` : ''} is missing`,
            file,
            line: 1,
          });
        }
        continue;
      }
      const problem = checkValue(key, e.value, spec);
      if (problem) out.push({ level: problem.level, message: problem.message, ...at(e) });
      else good++;
    }
    if (p.unknownKeys === 'warn') {
      for (const e of entries)
        if (!(e.key in p.schema))
          out.push({ level: 'warn', message: `${e.key} is not in the schema (a typo?)`, ...at(e) });
    }
    out.push({ level: 'pass', message: `${good} of ${entries.length} keys valid against the schema` });
  }
  if (p.rules.includes('secrets')) {
    const secrets = findCommittedSecrets(entries);
    for (const s of secrets) {
      if (s.secret) mask(s.secret);
      out.push({ level: 'fail', message: s.message, file, line: s.line, column: s.column });
    }
    if (secrets.length === 0) out.push({ level: 'pass', message: 'no secret values committed' });
  }
  return out;
}

export const configurationCheck: CheckKind<ConfigurationParams> = {
  kind: 'configuration',
  parse: parseConfigurationParams,
  async run(p, ctx: CheckContext): Promise<CheckOutcome> {
    const path = p.path ?? ctx.targets.envFile;
    if (!path) return { skipped: "no env file configured (input 'env-file')", findings: [] };
    const abs = resolve(ctx.cwd, path);
    const file = relative(ctx.cwd, abs) || path;
    if (!existsSync(abs)) {
      if (p.path === undefined && !ctx.targets.envFileExplicit)
        return { skipped: `no env file at ${path} (input 'env-file')`, findings: [] };
      return { findings: [{ level: 'fail', message: `env file ${path} does not exist`, file }] };
    }
    const text = await readFile(abs, 'utf8');
    // A committed value is already public; masking a very short one ("pass" in the guide) would
    // only blank out every "passed" in the log and summary, so only credible secrets are masked.
    const mask = (s: string) => {
      if (credible(s)) ctx.log.mask(s);
    };
    return { findings: evaluateEnv(text, file, p, mask) };
  },
};
