/**
 * Server-side apply (application/apply-patch+yaml): the applied configuration is merged into the live
 * object with the same list semantics as Kubernetes' structured merge (associative lists by key, sets,
 * atomic lists), field ownership is recorded per manager in metadata.managedFields, a field another
 * manager owns with a different value is a 409 conflict unless `force=true`, and fields this manager
 * applied before but no longer applies are removed when nobody else owns them.
 */
import { isDeepStrictEqual } from 'node:util';
import { keyDefaults, listSemantics } from './merge-keys.js';
import { clone, isObject, type JsonObject, type KubeObject, type ManagedFieldsEntry } from './types.js';

/** A field path: map keys as `f:<name>`, associative list items as `k:<json of keys>`, set items as `v:<json>`. */
export type FieldPath = string[];

const IGNORED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
]);

function itemKey(item: JsonObject, keys: string[], field: string): string {
  const defaults = keyDefaults(field);
  const key: JsonObject = {};
  for (const k of keys) {
    const value = item[k] ?? defaults[k];
    if (value !== undefined) key[k] = value;
  }
  return `k:${JSON.stringify(key)}`;
}

/** The leaf fields (and list items) a configuration sets. */
export function fieldSet(config: unknown, path: string[] = [], prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [];
  if (!isObject(config)) return [prefix];
  for (const [key, value] of Object.entries(config)) {
    if (prefix.length === 0 && (key === 'apiVersion' || key === 'kind')) continue;
    if (prefix.length === 1 && prefix[0] === 'f:metadata' && IGNORED_METADATA.has(key)) continue;
    const fieldPath = [...prefix, `f:${key}`];
    const names = [...path, key];
    if (Array.isArray(value)) {
      const semantics = listSemantics(names);
      if (semantics.type === 'map') {
        for (const item of value) {
          if (!isObject(item)) continue;
          const itemPath = [...fieldPath, itemKey(item, semantics.keys, key)];
          out.push([...itemPath, '.']);
          out.push(...fieldSet(item, names, itemPath).filter((p) => p.length > itemPath.length));
        }
      } else if (semantics.type === 'set') {
        for (const item of value) out.push([...fieldPath, `v:${JSON.stringify(item)}`]);
      } else out.push(fieldPath);
    } else if (isObject(value) && Object.keys(value).length > 0) {
      out.push(...fieldSet(value, names, fieldPath));
    } else out.push(fieldPath);
  }
  return out;
}

export function pathString(p: FieldPath): string {
  return p
    .filter((s) => s !== '.')
    .map((s) =>
      s.startsWith('f:')
        ? `.${s.slice(2)}`
        : s.startsWith('k:')
          ? `[${s
              .slice(2)
              .replace(/^\{|\}$/g, '')
              .replace(/"([^"]+)":/g, '$1=')}]`
          : `[${s.slice(2)}]`,
    )
    .join('');
}

/** FieldsV1 encoding of a set of paths, as in metadata.managedFields. */
export function toFieldsV1(paths: FieldPath[]): JsonObject {
  const root: JsonObject = {};
  for (const p of paths) {
    let node = root;
    for (const segment of p) {
      if (segment === '.') {
        node['.'] = {};
        continue;
      }
      if (!isObject(node[segment])) node[segment] = {};
      node = node[segment] as JsonObject;
    }
  }
  return root;
}

export function fromFieldsV1(fields: unknown, prefix: FieldPath = []): FieldPath[] {
  if (!isObject(fields)) return [];
  const out: FieldPath[] = [];
  const entries = Object.entries(fields);
  if (entries.length === 0 && prefix.length > 0) return [prefix];
  for (const [segment, child] of entries) {
    if (segment === '.') out.push([...prefix, '.']);
    else out.push(...fromFieldsV1(child, [...prefix, segment]));
  }
  return out;
}

const same = (a: FieldPath, b: FieldPath) => a.length === b.length && a.every((s, i) => s === b[i]);
/** a is b or inside b, or b inside a: the two paths touch the same value. */
const overlaps = (a: FieldPath, b: FieldPath) => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Read the value at a field path (undefined when absent). */
export function valueAt(object: unknown, p: FieldPath): unknown {
  let current: unknown = object;
  for (const segment of p) {
    if (segment === '.') continue;
    if (segment.startsWith('f:')) {
      current = isObject(current) ? current[segment.slice(2)] : undefined;
    } else if (segment.startsWith('k:')) {
      const key = JSON.parse(segment.slice(2)) as JsonObject;
      current = Array.isArray(current)
        ? current.find(
            (item) =>
              isObject(item) &&
              Object.entries(key).every(([k, v]) => isDeepStrictEqual(item[k] ?? keyDefaults('ports')[k], v)),
          )
        : undefined;
    } else if (segment.startsWith('v:')) {
      const v = JSON.parse(segment.slice(2)) as unknown;
      current = Array.isArray(current) && current.some((item) => isDeepStrictEqual(item, v)) ? v : undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** Remove the value at a field path from `object` (in place). */
function removeAt(object: JsonObject, p: FieldPath): void {
  const path = p.filter((s) => s !== '.');
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  if (!last) return;
  const parent = parentPath.length === 0 ? object : valueAt(object, parentPath);
  if (last.startsWith('f:') && isObject(parent)) {
    delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const target = valueAt(object, path);
    const index = parent.findIndex(
      (item) => item === target || (last.startsWith('v:') && isDeepStrictEqual(item, target)),
    );
    if (index >= 0) parent.splice(index, 1);
  }
}

/** Structured merge of an applied configuration into the live object. */
export function mergeApplied(live: unknown, config: unknown, path: string[] = []): unknown {
  if (!isObject(config)) return clone(config);
  const result: JsonObject = isObject(live) ? clone(live) : {};
  for (const [key, value] of Object.entries(config)) {
    const names = [...path, key];
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      const semantics = listSemantics(names);
      const current = Array.isArray(result[key]) ? (result[key] as unknown[]) : [];
      if (semantics.type === 'map') {
        const merged = current.map((item) => clone(item));
        for (const item of value) {
          if (!isObject(item)) continue;
          const k = itemKey(item, semantics.keys, key);
          const index = merged.findIndex((m) => isObject(m) && itemKey(m, semantics.keys, key) === k);
          if (index >= 0) merged[index] = mergeApplied(merged[index], item, names);
          else merged.push(clone(item));
        }
        result[key] = merged;
      } else if (semantics.type === 'set') {
        const merged = [...current];
        for (const item of value) if (!merged.some((m) => isDeepStrictEqual(m, item))) merged.push(clone(item));
        result[key] = merged;
      } else result[key] = clone(value);
    } else if (isObject(value)) {
      result[key] = mergeApplied(result[key], value, names);
    } else result[key] = clone(value);
  }
  return result;
}

export interface ApplyConflict {
  manager: string;
  apiVersion: string;
  field: string;
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: ApplyConflict[]) {
    super(
      `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ` +
        conflicts
          .map((c) => `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}: ${c.field}`)
          .join('\n'),
    );
  }
}

export interface ApplyResult {
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
}

/**
 * Apply `config` as `manager` to `live` (undefined when creating). Returns the merged object and the new
 * managedFields; throws ApplyConflictError when another manager owns a field with a different value.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string,
  force: boolean,
  apiVersion: string,
  now: string,
  subresource?: string,
): ApplyResult {
  const appliedPaths = fieldSet(config).filter((p) => (subresource === 'status') === (p[0] === 'f:status'));
  const entries = clone(live?.metadata.managedFields ?? []);
  const isMine = (e: ManagedFieldsEntry) =>
    e.manager === manager && e.operation === 'Apply' && (e.subresource ?? '') === (subresource ?? '');

  // Conflicts: fields owned by someone else whose live value differs from the applied one.
  const conflicts: ApplyConflict[] = [];
  if (live) {
    for (const entry of entries) {
      if (isMine(entry)) continue;
      const owned = fromFieldsV1(entry.fieldsV1);
      for (const p of appliedPaths) {
        if (p[p.length - 1] === '.') continue;
        if (!owned.some((o) => same(o, p))) continue;
        if (isDeepStrictEqual(valueAt(live, p), valueAt(config, p))) continue;
        conflicts.push({ manager: entry.manager, apiVersion: entry.apiVersion, field: pathString(p) });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw new ApplyConflictError(conflicts);

  let merged = mergeApplied(live ?? {}, config) as KubeObject;
  const previous = entries.find(isMine);
  const previousPaths = previous ? fromFieldsV1(previous.fieldsV1) : [];
  const others = entries.filter((e) => !isMine(e));
  // Fields this manager stopped applying go away unless someone else still owns them.
  const removed = previousPaths.filter((p) => !appliedPaths.some((a) => same(a, p)));
  merged = clone(merged);
  for (const p of removed.sort((a, b) => b.length - a.length)) {
    const ownedElsewhere = others.some((e) => fromFieldsV1(e.fieldsV1).some((o) => overlaps(o, p)));
    if (ownedElsewhere) continue;
    if (p[p.length - 1] === '.') removeAt(merged as unknown as JsonObject, p.slice(0, -1));
    else removeAt(merged as unknown as JsonObject, p);
  }

  // Ownership: this manager now owns what it applied. Another owner keeps a field applied with the
  // same value (shared ownership) and loses one whose value was forced to change.
  const managedFields: ManagedFieldsEntry[] = [];
  for (const entry of entries) {
    if (isMine(entry)) continue;
    const remaining = fromFieldsV1(entry.fieldsV1).filter(
      (o) => !appliedPaths.some((t) => same(t, o)) || isDeepStrictEqual(valueAt(live, o), valueAt(config, o)),
    );
    if (remaining.length === 0) continue;
    managedFields.push({ ...entry, fieldsV1: toFieldsV1(remaining) });
  }
  const mine: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion,
    time: now,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(appliedPaths),
    ...(subresource ? { subresource } : {}),
  };
  const at = previous ? entries.indexOf(previous) : -1;
  if (at >= 0 && at <= managedFields.length) managedFields.splice(at, 0, mine);
  else managedFields.push(mine);
  return { object: merged, managedFields };
}

/**
 * Ownership after a non-apply write (create, PUT, patch): `manager` takes every field whose value
 * changed (or every field it set, on create); other managers lose those fields.
 */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string,
  apiVersion: string,
  now: string,
  subresource?: string,
): ManagedFieldsEntry[] {
  const entries = clone(before?.metadata.managedFields ?? []);
  const afterPaths = fieldSet(after).filter((p) => (subresource === 'status') === (p[0] === 'f:status'));
  const changed = afterPaths.filter((p) =>
    p[p.length - 1] === '.'
      ? valueAt(before, p) === undefined
      : !isDeepStrictEqual(valueAt(before, p), valueAt(after, p)),
  );
  const stillThere = (p: FieldPath) => valueAt(after, p) !== undefined;
  const result: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const entry of entries) {
    const isMine =
      entry.manager === manager && entry.operation === 'Update' && (entry.subresource ?? '') === (subresource ?? '');
    const paths = fromFieldsV1(entry.fieldsV1).filter(stillThere);
    if (isMine) {
      mine = entry;
      const union = [...paths, ...changed.filter((c) => !paths.some((p) => same(p, c)))];
      mine.fieldsV1 = toFieldsV1(union);
      mine.time = now;
      mine.apiVersion = apiVersion;
      if (union.length > 0) result.push(mine);
      continue;
    }
    const remaining = paths.filter((p) => !changed.some((c) => same(c, p)));
    if (remaining.length > 0) result.push({ ...entry, fieldsV1: toFieldsV1(remaining) });
  }
  if (!mine && changed.length > 0) {
    result.push({
      manager,
      operation: 'Update',
      apiVersion,
      time: now,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(changed),
      ...(subresource ? { subresource } : {}),
    });
  }
  return result;
}
