/** One KEY=value line of an env file, with where its value is written. */
export interface EnvEntry {
  key: string;
  value: string;
  line: number;
  /** 1-based column of the value's first character. */
  column: number;
  /** The value as written (quotes included), for detecting unevaluated shell syntax. */
  raw: string;
  quoted: boolean;
}

export interface EnvProblem {
  line: number;
  message: string;
}

/**
 * Parses an env file the way docker compose and dotenv read it: `KEY=value`, optional `export`,
 * single or double quotes, `#` comments (whole-line, or after whitespace in an unquoted value).
 * Nothing is evaluated: `$(...)` stays literal text, which is exactly what the check reports.
 */
export function parseEnvFile(text: string): { entries: EnvEntry[]; problems: EnvProblem[] } {
  const entries: EnvEntry[] = [];
  const problems: EnvProblem[] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = i + 1;
    const trimmed = rawLine.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^(export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=(.*)$/.exec(trimmed);
    if (!m) {
      problems.push({ line, message: 'is not KEY=value' });
      return;
    }
    const key = m[2] as string;
    const rest = m[3] as string;
    const lead = rest.length - rest.trimStart().length;
    // First '=' follows the key (keys contain none); the value starts after any blanks.
    const column = rawLine.indexOf('=') + 1 + lead + 1;
    const body = rest.trimStart();
    let value: string;
    let raw: string;
    let quoted = false;
    const q = body[0];
    if (q === '"' || q === "'") {
      const end = body.indexOf(q, 1);
      if (end < 0) {
        problems.push({ line, message: `${key}: unterminated ${q === '"' ? 'double' : 'single'} quote` });
        return;
      }
      raw = body.slice(0, end + 1);
      value = body.slice(1, end);
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      quoted = true;
    } else {
      const comment = body.search(/\s#/);
      raw = (comment >= 0 ? body.slice(0, comment) : body).trimEnd();
      value = raw;
    }
    if (entries.some((e) => e.key === key))
      problems.push({ line, message: `${key} is set twice (the later value wins)` });
    entries.push({ key, value, line, column, raw, quoted });
  });
  return { entries, problems };
}
