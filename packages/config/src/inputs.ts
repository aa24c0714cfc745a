import * as yaml from 'js-yaml';
import { z } from 'zod';
import { parseDuration } from '@ralph-deploy/common';

/**
 * One declaration per action input. The same declaration drives: reading the action input (a
 * string), reading the spec file (a YAML value), the spec's JSON Schema, and the check that keeps
 * action.yml and the action README in step. Parsers throw a plain Error whose message describes the
 * problem without naming the input; the caller prefixes the input name or the spec location.
 */
export interface InputDecl<T> {
  kind: string;
  description: string;
  required: boolean;
  /** The default used when neither the input nor the spec sets a value. */
  default?: T;
  /** Masked as soon as it is read; in the spec only `{ env: NAME }` is accepted. */
  secret: boolean;
  /** false: the setting exists only as an action input (e.g. `config` itself). */
  inSpec: boolean;
  /** Parses the action input's text. */
  parse(raw: string): T;
  /** Validates a spec value (YAML-native). */
  specSchema: z.ZodType;
  /** Converts a validated spec value. */
  fromSpec(value: unknown): T;
  /** Text for the README "default" column. */
  defaultText?: string;
}

export type InputDecls = Record<string, InputDecl<unknown>>;
export type InputValues<D extends InputDecls> = {
  [K in keyof D]: D[K] extends InputDecl<infer T>
    ? D[K] extends { required: true }
      ? T
      : D[K] extends { default: T }
        ? T
        : T | undefined
    : never;
};

/** The declaration type, remembering whether a default or `required: true` was given. */
export type Decl<T, O> = InputDecl<T> &
  (O extends { default: unknown } ? { default: T } : unknown) &
  (O extends { required: true } ? { required: true } : unknown);

interface Common<T> {
  description: string;
  required?: boolean;
  default?: T;
  /** Not settable from the spec file. */
  inputOnly?: boolean;
}

function decl<T, O extends Common<unknown> = Common<T>>(
  kind: string,
  o: O,
  parse: (raw: string) => T,
  specSchema: z.ZodType,
  fromSpec: (v: unknown) => T = (v) => v as T,
  extra: Partial<InputDecl<T>> = {},
): Decl<T, O> {
  const d: InputDecl<T> = {
    kind,
    description: o.description,
    required: o.required ?? false,
    ...(o.default !== undefined ? { default: o.default as T } : {}),
    secret: false,
    inSpec: !o.inputOnly,
    parse,
    specSchema: specSchema.describe(o.description),
    fromSpec,
    ...(o.default !== undefined
      ? { defaultText: typeof o.default === 'object' ? JSON.stringify(o.default) : String(o.default) }
      : {}),
    ...extra,
  };
  return d as Decl<T, O>;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function parseBoolean(raw: string): boolean {
  const s = raw.trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new Error(`"${raw}" is not a boolean (use true or false)`);
}

function parseList(raw: string): string[] {
  // One per line, or comma-separated on one line; blank lines and # comments ignored.
  const lines = raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const items = lines.length === 1 ? (lines[0] as string).split(',') : lines;
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function parseMap(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, line] of raw.split(/\r?\n/).entries()) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`line ${i + 1} is not key=value`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

function loadYamlText(raw: string): unknown {
  try {
    return yaml.load(raw);
  } catch (e: unknown) {
    const m = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new Error(`is not valid YAML or JSON: ${m}`, { cause: e });
  }
}

function zodProblem(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'is invalid';
  const path = first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
  return `is invalid${path}: ${first.message}`;
}

export const durationSpec = z.union([z.string(), z.number().nonnegative()]);

export const input = {
  string<O extends Common<string> & { pattern?: RegExp; patternHint?: string }>(o: O): Decl<string, O> {
    const check = (s: string) => {
      if (o.pattern && !o.pattern.test(s)) throw new Error(`"${s}" ${o.patternHint ?? `does not match ${o.pattern}`}`);
      return s;
    };
    return decl(
      'string',
      o,
      (raw) => check(raw.trim()),
      z.string(),
      (v) => check(v as string),
    );
  },

  /** A value that is masked at once; the spec may only name an environment variable holding it. */
  secret<O extends Omit<Common<string>, 'default'>>(o: O): Decl<string, O> {
    return decl(
      'secret',
      o,
      (raw) => raw.trim(),
      z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }),
      (v) => v as string,
      {
        secret: true,
      },
    );
  },

  url<O extends Common<string> & { protocols?: readonly string[] }>(o: O): Decl<string, O> {
    const check = (s: string) => {
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new Error(`"${s}" is not a URL`);
      }
      if (o.protocols && !o.protocols.includes(u.protocol.replace(/:$/, ''))) {
        throw new Error(`"${s}" must use ${o.protocols.join(' or ')}`);
      }
      return s;
    };
    return decl(
      'url',
      o,
      (raw) => check(raw.trim()),
      z.string(),
      (v) => check(v as string),
    );
  },

  boolean<O extends Common<boolean>>(o: O): Decl<boolean, O> {
    return decl('boolean', o, parseBoolean, z.boolean());
  },

  number<O extends Common<number> & { min?: number; max?: number; integer?: boolean }>(o: O): Decl<number, O> {
    const check = (n: number, shown: string) => {
      if (!Number.isFinite(n)) throw new Error(`"${shown}" is not a number`);
      if (o.integer && !Number.isInteger(n)) throw new Error(`${shown} is not a whole number`);
      if (o.min !== undefined && n < o.min) throw new Error(`${shown} is below the minimum ${o.min}`);
      if (o.max !== undefined && n > o.max) throw new Error(`${shown} is above the maximum ${o.max}`);
      return n;
    };
    return decl(
      'number',
      o,
      (raw) => check(raw.trim() === '' ? NaN : Number(raw.trim()), raw.trim()),
      o.integer ? z.number().int() : z.number(),
      (v) => check(v as number, String(v)),
    );
  },

  /** Milliseconds, from `500ms`, `5s`, `10m`, `1h30m` or a number of seconds. */
  duration<O extends Omit<Common<string>, 'default'> & { default?: string; min?: string; max?: string }>(
    o: O,
  ): Decl<number, O> {
    const toMs = (s: string) => {
      const ms = parseDuration(s);
      if (ms === undefined) throw new Error(`"${s}" is not a duration (examples: 500ms, 5s, 10m, 1h)`);
      if (o.min !== undefined && ms < (parseDuration(o.min) ?? 0))
        throw new Error(`${s} is shorter than the minimum ${o.min}`);
      if (o.max !== undefined && ms > (parseDuration(o.max) ?? Infinity))
        throw new Error(`${s} is longer than the maximum ${o.max}`);
      return ms;
    };
    const { default: def, ...rest } = o;
    return {
      ...decl<number>('duration', rest, toMs, durationSpec, (v) => toMs(String(v))),
      ...(def !== undefined ? { default: toMs(def), defaultText: def } : {}),
    } as Decl<number, O>;
  },

  enum<const V extends string, O extends Common<V>>(values: readonly V[], o: O): Decl<V, O> {
    const check = (s: string): V => {
      if (!(values as readonly string[]).includes(s)) throw new Error(`"${s}" is not one of ${values.join(', ')}`);
      return s as V;
    };
    return decl(
      'enum',
      o,
      (raw) => check(raw.trim()),
      z.enum(values as unknown as [V, ...V[]]),
      (v) => check(v as string),
    );
  },

  /** One item per line (or comma-separated on one line); a YAML list in the spec. */
  list<O extends Common<readonly string[]>>(o: O): Decl<string[], O> {
    return decl('list', o, parseList, z.union([z.array(z.union([z.string(), z.number()])), z.string()]), (v) =>
      Array.isArray(v) ? v.map(String) : parseList(String(v)),
    );
  },

  /** key=value per line; a YAML mapping in the spec. */
  map<O extends Common<Record<string, string>>>(o: O): Decl<Record<string, string>, O> {
    return decl('map', o, parseMap, z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])), (v) =>
      Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)])),
    );
  },

  /** Structured data: YAML or JSON text in the input, native YAML in the spec; validated by `schema`. */
  structured<S extends z.ZodType, O extends Common<z.infer<S>>>(schema: S, o: O): Decl<z.infer<S>, O> {
    const check = (v: unknown): z.infer<S> => {
      const r = schema.safeParse(v);
      if (!r.success) throw new Error(zodProblem(r.error));
      return r.data;
    };
    return decl('structured', o, (raw) => check(loadYamlText(raw)), schema, check);
  },
};

/** Inputs every action has; the kit reads them itself. */
export const commonInputs = {
  config: input.string({
    description:
      'Path of the deployment spec file. A missing default file means "no spec"; a missing explicit file is an error.',
    default: '.github/ralph-deploy.yml',
    inputOnly: true,
  }),
  environment: input.string({
    description: "Name of the spec's environment whose settings apply (e.g. production).",
    inputOnly: true,
  }),
  'dry-run': input.boolean({ description: 'Print the plan and change nothing.', default: false }),
  timeout: input.duration({
    description: 'Upper bound for the whole action; on expiry it stops, cleans up and fails.',
    default: '30m',
  }),
};
