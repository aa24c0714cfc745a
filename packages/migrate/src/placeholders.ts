/** A placeholder value as the action resolved it: the text, and whether it is secret (from an env var). */
export interface PlaceholderValue {
  value: string;
  secret: boolean;
  /** Set when the value comes from an environment variable that is not set: an error only if a file uses it. */
  missingEnv?: string;
}

export type Placeholders = Record<string, PlaceholderValue>;

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_.:-]*)\}/g;

/**
 * Resolves the `placeholders` input: plain values as they are, `{ env: NAME }` from the environment
 * (secret: the caller masks it). A missing variable is an error only where a file uses the
 * placeholder, so one spec can serve environments that do not all set it.
 */
export function resolvePlaceholders(
  raw: Record<string, string | number | boolean | { env: string }>,
  env: NodeJS.ProcessEnv = process.env,
): Placeholders {
  const out: Placeholders = {};
  for (const [name, v] of Object.entries(raw)) {
    if (typeof v === 'object' && v !== null) {
      const value = env[v.env];
      out[name] =
        value === undefined || value === '' ? { value: '', secret: true, missingEnv: v.env } : { value, secret: true };
    } else out[name] = { value: String(v), secret: false };
  }
  return out;
}

/** The names of the placeholders a text uses, in order of first use. */
export function placeholdersUsed(text: string): string[] {
  return [...new Set([...text.matchAll(PATTERN)].map((m) => m[1] as string))];
}

/**
 * Replaces each ${name} in `text`. Built-ins: ${ralph:filename}, ${ralph:version}. An unknown name
 * throws with the name and its offset, so the caller can point at file:line.
 */
export function substitute(text: string, values: Placeholders, builtins: Record<string, string> = {}): string {
  return text.replace(PATTERN, (_whole, name: string, offset: number) => {
    const p = values[name];
    if (p?.missingEnv)
      throw new UnknownPlaceholderError(
        name,
        offset,
        `placeholder \${${name}} reads environment variable ${p.missingEnv}, which is not set`,
      );
    const v = p?.value ?? builtins[name];
    if (v === undefined) throw new UnknownPlaceholderError(name, offset);
    return v;
  });
}

export class UnknownPlaceholderError extends Error {
  constructor(
    readonly placeholder: string,
    readonly offset: number,
    message?: string,
  ) {
    super(
      message ??
        `placeholder \${${placeholder}} has no value: set it in the placeholders input or the spec's migrate-db.placeholders`,
    );
    this.name = 'UnknownPlaceholderError';
  }
}
