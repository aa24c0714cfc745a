import * as yaml from 'js-yaml';
import { SourceError } from '@ralph-deploy/common';

/** A path into a YAML value: mapping keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>;

interface LocScalar {
  kind: 'scalar';
  start: number;
}
interface LocSeq {
  kind: 'seq';
  start: number;
  items: LocNode[];
}
interface LocMap {
  kind: 'map';
  start: number;
  entries: Map<string, { keyStart: number; value: LocNode }>;
}
type LocNode = LocScalar | LocSeq | LocMap | { kind: 'alias'; start: number };

/** One document of a YAML file: its value and a way to find where any part of it is written. */
export interface YamlDocument {
  file: string;
  index: number;
  value: unknown;
  /** 1-based line and column of the node at `path` (or of the closest existing ancestor). */
  position(path: YamlPath): { line: number; column: number };
}

export interface LoadYamlOptions {
  /**
   * YAML 1.1 is what Kubernetes (sigs.k8s.io/yaml) and Prometheus (go-yaml v2) use: `0400` is octal
   * 256 there, not decimal 400 as in YAML 1.2. Default true.
   */
  yaml11?: boolean;
}

/**
 * Loads every document of a multi-document YAML text, keeping source positions. Values come from
 * js-yaml's event stream (the same events give the offsets), so value and position can never
 * disagree. A syntax error becomes a SourceError at file:line:col.
 */
export function loadYamlDocuments(text: string, file: string, options: LoadYamlOptions = {}): YamlDocument[] {
  const schema = options.yaml11 === false ? yaml.CORE_SCHEMA : yaml.YAML11_SCHEMA;
  let events: ReturnType<typeof yaml.parseEvents>;
  let values: unknown[];
  try {
    events = yaml.parseEvents(text, { filename: file });
    values = yaml.constructFromEvents(events, { source: text, filename: file, schema });
  } catch (e: unknown) {
    throw yamlError(e, file);
  }
  const lines = lineStarts(text);
  const roots = buildTrees(events, text);
  const docs: YamlDocument[] = [];
  roots.forEach((root, index) => {
    const value = values[index];
    if (value === null || value === undefined) return; // empty document (e.g. a trailing ---)
    docs.push({
      file,
      index,
      value,
      position: (path) => toLineCol(lines, offsetOf(root, path)),
    });
  });
  return docs;
}

function yamlError(e: unknown, file: string): SourceError {
  if (e instanceof yaml.YAMLException && e.mark) {
    return new SourceError({ file, line: e.mark.line + 1, column: e.mark.column + 1 }, `invalid YAML: ${e.reason}`);
  }
  return new SourceError({ file }, `invalid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
}

function buildTrees(events: ReturnType<typeof yaml.parseEvents>, text: string): (LocNode | undefined)[] {
  const roots: (LocNode | undefined)[] = [];
  // A stack of open containers; a mapping alternates key/value via `pendingKey`.
  const stack: { node: LocNode | 'doc'; pendingKey?: { key: string; start: number } }[] = [];
  const attach = (node: LocNode, keyText?: string) => {
    const top = stack[stack.length - 1];
    if (!top) return;
    if (top.node === 'doc') {
      roots[roots.length - 1] = node;
    } else if (top.node.kind === 'seq') {
      top.node.items.push(node);
    } else if (top.node.kind === 'map') {
      if (top.pendingKey === undefined) {
        top.pendingKey = { key: keyText ?? `<${node.kind}@${node.start}>`, start: node.start };
      } else {
        top.node.entries.set(top.pendingKey.key, { keyStart: top.pendingKey.start, value: node });
        top.pendingKey = undefined;
      }
    }
  };
  for (const ev of events) {
    switch (ev.type) {
      case yaml.EVENT_ID.DOCUMENT:
        roots.push(undefined);
        stack.push({ node: 'doc' });
        break;
      case yaml.EVENT_ID.MAPPING: {
        const node: LocMap = { kind: 'map', start: startOf(ev.start, ev), entries: new Map() };
        attach(node);
        stack.push({ node });
        break;
      }
      case yaml.EVENT_ID.SEQUENCE: {
        const node: LocSeq = { kind: 'seq', start: startOf(ev.start, ev), items: [] };
        attach(node);
        stack.push({ node });
        break;
      }
      case yaml.EVENT_ID.SCALAR: {
        const start = startOf(ev.valueStart, ev);
        attach({ kind: 'scalar', start }, yaml.getScalarValue(text, ev));
        break;
      }
      case yaml.EVENT_ID.ALIAS:
        attach({ kind: 'alias', start: ev.anchorStart });
        break;
      case yaml.EVENT_ID.POP:
        stack.pop();
        break;
    }
  }
  return roots;
}

/** The earliest of a node's anchor, tag and content offsets (a node "starts" at its properties). */
function startOf(content: number, ev: { anchorStart: number; tagStart: number }): number {
  return Math.min(...[content, ev.anchorStart, ev.tagStart].filter((n) => n >= 0));
}

function offsetOf(root: LocNode | undefined, path: YamlPath): number {
  if (!root) return 0;
  let node: LocNode = root;
  let offset = root.start;
  for (const step of path) {
    if (node.kind === 'map' && typeof step === 'string') {
      const entry = node.entries.get(step);
      if (!entry) break;
      // A mapping value points at its key: that is the line a reader looks for.
      offset = entry.keyStart;
      node = entry.value;
    } else if (node.kind === 'seq' && typeof step === 'number') {
      const item = node.items[step];
      if (!item) break;
      offset = item.start;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

export function toLineCol(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
}
