import type { DiffMode, FieldDiff } from './types.js';

/** Collects differences between desired and actual settings; `undefined` desired means "not managed". */
export class DiffBuilder {
  readonly diffs: FieldDiff[] = [];

  field(field: string, desired: unknown, actual: unknown, mode: DiffMode = 'update', note?: string): this {
    if (desired === undefined) return this;
    if (!sameValue(desired, actual)) this.diffs.push({ field, desired, actual, mode, ...(note ? { note } : {}) });
    return this;
  }

  /** Desired tags must be present with these values; extra tags on the resource are left alone. */
  tags(desired: Record<string, string>, actual: Record<string, string>): this {
    const missing = Object.entries(desired).filter(([k, v]) => actual[k] !== v);
    if (missing.length > 0) {
      this.diffs.push({
        field: 'tags',
        desired: Object.fromEntries(missing),
        actual: Object.fromEntries(missing.map(([k]) => [k, actual[k] ?? null])),
        mode: 'update',
      });
    }
    return this;
  }

  push(diff: FieldDiff): this {
    this.diffs.push(diff);
    return this;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const sa = [...a].map(String).sort();
    const sb = [...b].map(String).sort();
    return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null)
    return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** Dotted numeric versions compared part by part ("15.10" > "15.4"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10));
  const pb = b.split('.').map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (Number.isNaN(d)) return a.localeCompare(b);
    if (d !== 0) return d;
  }
  return 0;
}

/** `desired` names a prefix of `actual` ("15" matches "15.7"; "15.4" matches only "15.4"). */
export function versionMatches(desired: string, actual: string): boolean {
  return actual === desired || actual.startsWith(`${desired}.`);
}

export function tagMap(
  list: { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']),
  );
}

export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
