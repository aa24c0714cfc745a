import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { SourceError, type SourceLocation } from '@ralph-deploy/common';
import { commonInputs, type InputDecls } from './inputs.js';
import { actionInputs } from './sections/index.js';
import { parseYamlDocument, type PathKey, type YamlDocument } from './yaml-source.js';

export const SPEC_VERSION = 1;
export const DEFAULT_SPEC_PATH = '.github/ralph-deploy.yml';

/** The zod schema of one action's spec section, derived from its input declarations. */
export function sectionSchema(decls: InputDecls): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, d] of Object.entries({ ...commonInputs, ...decls })) {
    if (d.inSpec) shape[name] = d.specSchema.optional();
  }
  return z.strictObject(shape);
}

function sectionsShape(): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.entries(actionInputs).map(([name, decls]) => [name, sectionSchema(decls).optional()]),
  );
}

/** The whole spec file's schema (also exported as JSON Schema for editors). */
export function specSchema(): z.ZodType {
  const environment = z.strictObject({
    url: z.string().describe("The environment's public URL (GitHub Environment URL).").optional(),
    description: z.string().optional(),
    ...sectionsShape(),
  });
  return z.strictObject({
    $schema: z.string().optional(),
    version: z.literal(SPEC_VERSION).describe('Spec format version.'),
    defaults: z.strictObject(sectionsShape()).describe('Settings for every environment.').optional(),
    environments: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]+$/), environment)
      .describe('Per-environment settings; they override `defaults`.'),
  });
}

export interface LoadedSpec {
  file: string;
  doc: YamlDocument;
  environments: string[];
}

/** One action's settings for one environment: `defaults.<section>` overlaid by `environments.<env>.<section>`. */
export interface SpecSection {
  values: Record<string, unknown>;
  /** Where a key of the section was set (the environment's value wins over the default's). */
  locate(path: readonly PathKey[]): SourceLocation | undefined;
}

const SECRET_KEY =
  /(^|[-_])(password|passwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key)$|^(authorization|proxy-authorization|cookie|x-api-key)$/i;

/**
 * Loads and validates the spec. `required: false` (the default path) means a missing file is "no
 * spec"; an explicitly named file must exist. Every error carries file:line:column.
 */
export function loadSpec(
  file: string,
  options: { required?: boolean; displayPath?: string } = {},
): LoadedSpec | undefined {
  const shown = options.displayPath ?? file;
  if (!existsSync(file)) {
    if (options.required) throw new SourceError({ file: shown }, 'spec file not found');
    return undefined;
  }
  const doc = parseYamlDocument(readFileSync(file, 'utf8'), shown);
  if (doc.value === undefined || doc.value === null)
    throw new SourceError({ file: shown, line: 1, column: 1 }, 'spec file is empty');
  rejectInlineSecrets(doc, doc.value, []);
  const result = specSchema().safeParse(doc.value);
  if (!result.success) throw issueToError(doc, result.error);
  const environments = Object.keys((doc.value as { environments?: object }).environments ?? {});
  return { file: shown, doc, environments };
}

export function selectSection(spec: LoadedSpec, section: string, environment: string | undefined): SpecSection {
  const root = spec.doc.value as {
    defaults?: Record<string, unknown>;
    environments?: Record<string, Record<string, unknown>>;
  };
  if (environment && !root.environments?.[environment]) {
    const known = spec.environments.join(', ') || 'none';
    throw new SourceError(
      { file: spec.file, ...(spec.doc.locateKey(['environments']) ?? {}) },
      `environment '${environment}' is not defined (defined: ${known})`,
    );
  }
  const base = (root.defaults?.[section] ?? {}) as Record<string, unknown>;
  const over = (environment ? root.environments?.[environment]?.[section] : undefined) as
    Record<string, unknown> | undefined;
  const values = deepMerge(base, over ?? {});
  return {
    values,
    locate: (path) => {
      const fromEnv = environment ? spec.doc.locate(['environments', environment, section, ...path]) : undefined;
      const pos = fromEnv ?? spec.doc.locate(['defaults', section, ...path]);
      return pos ? { file: spec.file, ...pos } : undefined;
    },
  };
}

/** Plain-object deep merge; arrays and scalars from `over` replace those in `base`. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Secrets never live in the spec: a secret-looking key with a literal value, or a URL with a password, is refused. */
function rejectInlineSecrets(doc: YamlDocument, value: unknown, path: PathKey[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => rejectInlineSecrets(doc, v, [...path, i]));
    return;
  }
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const p = [...path, k];
      if (SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number') && String(v) !== '') {
        throw new SourceError(
          { file: doc.file, ...(doc.locate(p) ?? {}) },
          `${p.join('.')}: inline secret; reference an environment variable instead: { env: NAME }`,
        );
      }
      rejectInlineSecrets(doc, v, p);
    }
    return;
  }
  if (typeof value === 'string' && /[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:[^\s/@]+@/i.test(value)) {
    throw new SourceError(
      { file: doc.file, ...(doc.locate(path) ?? {}) },
      `${path.join('.')}: a URL with an embedded password is an inline secret; reference an environment variable instead: { env: NAME }`,
    );
  }
}

function issueToError(doc: YamlDocument, error: z.ZodError): SourceError {
  const issue = error.issues[0] as z.core.$ZodIssue;
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  let message = issue.message;
  let pos = doc.locate(path) ?? nearest(doc, path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] as string;
    const keyPath = [...path, key];
    pos = doc.locateKey(keyPath) ?? pos;
    const known = knownKeys(path);
    const hint = suggest(key, known);
    return new SourceError(
      { file: doc.file, ...(pos ?? {}) },
      `${keyPath.join('.')}: unknown setting '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
    );
  }
  if (issue.code === 'invalid_type' && isSecretPath(path)) {
    message = 'a secret must be a reference to an environment variable: { env: NAME }';
  }
  return new SourceError({ file: doc.file, ...(pos ?? {}) }, `${path.join('.') || '(root)'}: ${message}`);
}

function nearest(doc: YamlDocument, path: PathKey[]) {
  for (let n = path.length; n >= 0; n--) {
    const p = doc.locate(path.slice(0, n));
    if (p) return p;
  }
  return undefined;
}

function sectionOfPath(path: PathKey[]): { section?: string; rest: PathKey[] } {
  if (path[0] === 'defaults') return { section: path[1] as string | undefined, rest: path.slice(2) };
  if (path[0] === 'environments') return { section: path[2] as string | undefined, rest: path.slice(3) };
  return { rest: path };
}

function isSecretPath(path: PathKey[]): boolean {
  const { section, rest } = sectionOfPath(path);
  const decl = section ? actionInputs[section]?.[String(rest[0])] : undefined;
  return rest.length === 1 && decl?.secret === true;
}

function knownKeys(path: PathKey[]): string[] {
  if (path.length === 0) return ['version', 'defaults', 'environments'];
  if (path.length === 1 && path[0] === 'defaults') return Object.keys(actionInputs);
  if (path.length === 2 && path[0] === 'environments') return ['url', 'description', ...Object.keys(actionInputs)];
  const { section, rest } = sectionOfPath(path);
  if (section && rest.length === 0) return Object.keys({ ...commonInputs, ...(actionInputs[section] ?? {}) });
  return [];
}

/** The known name closest to a misspelt one (edit distance <= 3). */
function suggest(word: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
