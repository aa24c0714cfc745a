/**
 * A small, documented subset of JSONPath (RFC 9535) that names exactly one value:
 *
 *   $                 the whole document
 *   $.name / .name    a member (letters, digits, _ and -; the leading `$` is optional)
 *   $['any name']     a member whose name needs quoting (single or double quotes, \\ escapes)
 *   $[0] / $[-1]      an array element; negative indexes count from the end
 *
 * Wildcards, filters, slices and recursive descent are rejected: a check compares one value, and a
 * path that can select several would make "equals" ambiguous.
 */
export type PathSegment = string | number;

export class JsonPathError extends Error {
  constructor(path: string, problem: string) {
    super(`JSON path "${path}": ${problem}`);
    this.name = 'JsonPathError';
  }
}

export function parseJsonPath(path: string): PathSegment[] {
  const src = path.trim();
  const segments: PathSegment[] = [];
  let i = 0;
  if (src.startsWith('$')) i = 1;
  else if (src !== '' && !src.startsWith('.') && !src.startsWith('[')) {
    // Allow "a.b" as shorthand for "$.a.b".
    const m = /^[A-Za-z0-9_-]+/.exec(src);
    if (!m) throw new JsonPathError(path, 'must start with $');
    segments.push(m[0]);
    i = m[0].length;
  }
  while (i < src.length) {
    const c = src[i];
    if (c === '.') {
      if (src[i + 1] === '.') throw new JsonPathError(path, 'recursive descent (..) is not supported');
      const m = /^[A-Za-z0-9_-]+/.exec(src.slice(i + 1));
      if (!m) throw new JsonPathError(path, `expected a member name at offset ${i + 1}`);
      segments.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = src.slice(i + 1);
      const idx = /^\s*(-?\d+)\s*\]/.exec(rest);
      if (idx) {
        segments.push(Number(idx[1]));
        i += 1 + idx[0].length;
        continue;
      }
      const q = rest.trimStart()[0];
      if (q !== "'" && q !== '"')
        throw new JsonPathError(
          path,
          `expected an index or a quoted name at offset ${i + 1} (wildcards, slices and filters are not supported)`,
        );
      let j = i + 1 + (rest.length - rest.trimStart().length) + 1;
      let name = '';
      while (j < src.length && src[j] !== q) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        name += src[j];
        j++;
      }
      if (j >= src.length) throw new JsonPathError(path, 'unterminated quoted name');
      const close = /^\s*\]/.exec(src.slice(j + 1));
      if (!close) throw new JsonPathError(path, `expected ] at offset ${j + 1}`);
      segments.push(name);
      i = j + 1 + close[0].length;
    } else {
      throw new JsonPathError(path, `unexpected "${c}" at offset ${i}`);
    }
  }
  return segments;
}

/** The value at `path`, or `{ found: false }` when a member or element is missing. */
export function selectJsonPath(
  doc: unknown,
  path: string | PathSegment[],
): { found: true; value: unknown } | { found: false } {
  const segments = typeof path === 'string' ? parseJsonPath(path) : path;
  let cur: unknown = doc;
  for (const seg of segments) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return { found: false };
      const idx = seg < 0 ? cur.length + seg : seg;
      if (idx < 0 || idx >= cur.length) return { found: false };
      cur = cur[idx];
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, seg))
        return { found: false };
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return { found: true, value: cur };
}

/**
 * Structural equality between a JSON value and an expected value written in YAML. Objects compare
 * key by key regardless of order; numbers compare by value.
 */
export function jsonEquals(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  if (typeof actual === 'number' && typeof expected === 'number') return Number.isNaN(actual) && Number.isNaN(expected);
  if (Array.isArray(actual) || Array.isArray(expected)) {
    if (!Array.isArray(actual) || !Array.isArray(expected) || actual.length !== expected.length) return false;
    return actual.every((v, i) => jsonEquals(v, expected[i]));
  }
  if (actual && expected && typeof actual === 'object' && typeof expected === 'object') {
    const a = actual as Record<string, unknown>;
    const b = expected as Record<string, unknown>;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEquals(a[k], b[k]));
  }
  return false;
}
