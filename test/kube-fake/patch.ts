/**
 * The three PATCH formats the API server accepts besides apply: JSON Patch (RFC 6902), JSON Merge Patch
 * (RFC 7386) and strategic merge patch (Kubernetes' merge-by-key lists and `$patch` directives).
 */
import { isDeepStrictEqual } from 'node:util';
import { listSemantics } from './merge-keys.js';
import { clone, isObject, type JsonObject } from './types.js';

export class PatchError extends Error {
  constructor(
    message: string,
    /** 400 for a malformed patch, 422 when it cannot be applied to this object. */
    readonly code: 400 | 422,
  ) {
    super(message);
  }
}

// ---------- RFC 7386 ----------

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

// ---------- RFC 6902 ----------

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`, 400);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function container(doc: unknown, tokens: string[], pointer: string): unknown {
  let current = doc;
  for (const token of tokens) {
    if (Array.isArray(current)) current = current[arrayIndex(token, current.length - 1, pointer)];
    else if (isObject(current) && token in current) current = current[token];
    else throw new PatchError(`doc is missing path: "${pointer}"`, 422);
  }
  return current;
}

function arrayIndex(token: string, max: number, pointer: string): number {
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchError(`invalid array index "${token}" in "${pointer}"`, 422);
  const index = Number(token);
  if (index > max) throw new PatchError(`array index out of bounds in "${pointer}"`, 422);
  return index;
}

function getAt(doc: unknown, pointer: string): unknown {
  return container(doc, parsePointer(pointer), pointer);
}

function removeAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) throw new PatchError('cannot remove the document root', 422);
  const parent = container(doc, tokens, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(last, parent.length - 1, pointer), 1)[0];
  if (isObject(parent) && last in parent) {
    const value = parent[last];
    delete parent[last];
    return value;
  }
  throw new PatchError(`unable to remove nonexistent key: ${last}: missing value`, 422);
}

function addAt(doc: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) return value;
  const parent = container(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    if (replace) parent[arrayIndex(last, parent.length - 1, pointer)] = value;
    else if (last === '-') parent.push(value);
    else parent.splice(arrayIndex(last, parent.length, pointer), 0, value);
  } else if (isObject(parent)) {
    if (replace && !(last in parent))
      throw new PatchError(`replace operation does not apply: doc is missing key: ${pointer}`, 422);
    parent[last] = value;
  } else throw new PatchError(`doc is missing path: "${pointer}"`, 422);
  return doc;
}

export function jsonPatch(document: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('json patch must be an array of operations', 400);
  let doc = clone(document);
  for (const raw of operations as Operation[]) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError(`invalid JSON patch operation: ${JSON.stringify(raw)}`, 400);
    }
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, clone(raw.value), false);
        break;
      case 'replace':
        doc = raw.path === '' ? clone(raw.value) : addAt(doc, raw.path, clone(raw.value), true);
        break;
      case 'remove':
        removeAt(doc, raw.path);
        break;
      case 'move': {
        const value = removeAt(doc, String(raw.from));
        doc = addAt(doc, raw.path, value, false);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, clone(getAt(doc, String(raw.from))), false);
        break;
      case 'test':
        if (!isDeepStrictEqual(getAt(doc, raw.path), raw.value)) {
          throw new PatchError(`testing value ${raw.path} failed: test failed`, 422);
        }
        break;
      default:
        throw new PatchError(`Unexpected kind: ${raw.op}`, 400);
    }
  }
  return doc;
}

// ---------- strategic merge patch ----------

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const ORDER_PREFIX = '$setElementOrder/';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList/';

export function strategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw new PatchError('strategic merge patch must be a JSON object', 400);
  return mergeMap(isObject(original) ? original : {}, patch, []) ?? {};
}

function mergeMap(original: JsonObject, patch: JsonObject, path: string[]): JsonObject | undefined {
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch) as JsonObject;
  if (directive !== undefined) throw new PatchError(`Unknown patch type: ${String(directive)}`, 400);

  const result = clone(original);
  const orders = new Map<string, unknown[]>();
  for (const [key, value] of Object.entries(patch)) {
    if (key === RETAIN_KEYS) continue;
    if (key.startsWith(ORDER_PREFIX)) {
      if (Array.isArray(value)) orders.set(key.slice(ORDER_PREFIX.length), value);
      continue;
    }
    if (key.startsWith(DELETE_PRIMITIVE_PREFIX)) {
      const field = key.slice(DELETE_PRIMITIVE_PREFIX.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        result[field] = current.filter((item) => !value.some((v) => isDeepStrictEqual(v, item)));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const childPath = [...path, key];
    if (isObject(value)) {
      const merged = mergeMap(isObject(result[key]) ? (result[key] as JsonObject) : {}, value, childPath);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(Array.isArray(result[key]) ? (result[key] as unknown[]) : [], value, childPath);
    } else {
      result[key] = clone(value);
    }
  }
  for (const [field, order] of orders) {
    if (Array.isArray(result[field])) result[field] = applyOrder(result[field] as unknown[], order, [...path, field]);
  }
  const retain = patch[RETAIN_KEYS];
  if (Array.isArray(retain)) {
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(original: unknown[], patch: unknown[], path: string[]): unknown[] {
  const semantics = listSemantics(path);
  if (patch.some((item) => isObject(item) && item[DIRECTIVE] === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item[DIRECTIVE] === 'replace')).map(stripDirectives);
  }
  if (semantics.type === 'set') {
    const result = [...original];
    for (const item of patch) if (!result.some((r) => isDeepStrictEqual(r, item))) result.push(clone(item));
    return result;
  }
  if (semantics.type !== 'map') return patch.map(stripDirectives);
  const key = semantics.patchKey;
  const result = original.map((item) => clone(item));
  for (const item of patch) {
    if (!isObject(item) || !(key in item)) {
      throw new PatchError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`, 422);
    }
    const index = result.findIndex((r) => isObject(r) && isDeepStrictEqual(r[key], item[key]));
    if (item[DIRECTIVE] === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      const merged = mergeMap(result[index] as JsonObject, item, path);
      if (merged === undefined) result.splice(index, 1);
      else result[index] = merged;
    } else {
      result.push(stripDirectives(item));
    }
  }
  return result;
}

/** `$setElementOrder`: listed items first in that order, the rest after in their current order. */
function applyOrder(list: unknown[], order: unknown[], path: string[]): unknown[] {
  const semantics = listSemantics(path);
  const keyOf = (item: unknown) => (semantics.type === 'map' && isObject(item) ? item[semantics.patchKey] : item);
  const ordered: unknown[] = [];
  for (const wanted of order) {
    const wantedKey = keyOf(wanted);
    const found = list.find((item) => isDeepStrictEqual(keyOf(item), wantedKey));
    if (found !== undefined && !ordered.includes(found)) ordered.push(found);
  }
  return [...ordered, ...list.filter((item) => !ordered.includes(item))];
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return clone(value);
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (
      key === DIRECTIVE ||
      key === RETAIN_KEYS ||
      key.startsWith(ORDER_PREFIX) ||
      key.startsWith(DELETE_PRIMITIVE_PREFIX)
    )
      continue;
    if (child === null) continue;
    result[key] = stripDirectives(child);
  }
  return result;
}
