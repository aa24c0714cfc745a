/**
 * Every form in which a secret could be printed. A database URL's password appears decoded in
 * error messages of some clients and percent-encoded in the URL itself, so both are masked, and
 * so is the whole URL.
 */
export function secretVariants(secret: string): string[] {
  const out = new Set<string>();
  const add = (v: string | undefined) => {
    if (v && v.length >= 3) out.add(v);
  };
  add(secret);
  add(secret.trim());
  try {
    add(encodeURIComponent(secret));
  } catch {
    /* lone surrogate: nothing to add */
  }
  const url = parseUrlLoosely(secret);
  if (url?.password) {
    add(url.password);
    add(safeDecode(url.password));
    add(`${url.username}:${url.password}`);
  }
  return [...out];
}

/** Passwords embedded in any URL inside a text (e.g. `postgres://u:p@h/db`). */
export function passwordsInText(text: string): string[] {
  const found: string[] = [];
  const re = /[a-z][a-z0-9+.-]*:\/\/[^\s/'"@]*:([^\s/'"@]+)@/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const pw = m[1] as string;
    found.push(pw, safeDecode(pw));
  }
  return found.filter((p) => p.length >= 3);
}

/** A URL with its password replaced, for display: postgres://app:***@db:5432/x */
export function redactUrl(raw: string): string {
  const url = parseUrlLoosely(raw);
  if (!url) return raw.replace(/(:\/\/[^\s/:@]*:)[^\s/@]+@/g, '$1***@');
  if (url.password) url.password = '***';
  return url.toString();
}

function parseUrlLoosely(raw: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw.trim())) return undefined;
  try {
    return new URL(raw.trim());
  } catch {
    return undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Replaces every registered secret variant in `text` with ***. Longest first, so overlaps mask fully. */
export function redactText(text: string, secrets: Iterable<string>): string {
  const list = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of list) out = out.split(s).join('***');
  return out;
}
