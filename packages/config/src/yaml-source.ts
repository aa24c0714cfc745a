import * as yaml from 'js-yaml';
import { SourceError } from '@ralph-deploy/common';

/** A path into a parsed YAML value: mapping keys and sequence indexes. */
export type PathKey = string | number;

export interface Position {
  line: number;
  column: number;
}

/** One YAML document with the source position of every key and value in it. */
export interface YamlDocument {
  file: string;
  value: unknown;
  /** 1-based line of the document's first node (for multi-document files). */
  line: number;
  /** Where the value at `path` starts. */
  locate(path: readonly PathKey[]): Position | undefined;
  /** Where the key of the mapping entry at `path` starts (falls back to the value). */
  locateKey(path: readonly PathKey[]): Position | undefined;
  /**
   * The line a reader looks for: the key of the entry at `path`, or of its closest existing ancestor
   * (a finding about a missing field points at the object that lacks it).
   */
  nearest(path: readonly PathKey[]): Position;
}

export interface ParseYamlOptions {
  /**
   * YAML 1.1 is what Kubernetes (sigs.k8s.io/yaml) and Prometheus (go-yaml v2) read: `0400` is octal
   * 256 there, not decimal 400 as in YAML 1.2's core schema. Default false (YAML 1.2).
   */
  yaml11?: boolean;
}

const E = yaml.EVENT_ID;

/**
 * Parses every document of a YAML text and records positions from js-yaml's event stream, so that
 * schema errors and findings can point at file:line:column. Syntax errors become a SourceError.
 */
export function parseYamlDocuments(text: string, file: string, options: ParseYamlOptions = {}): YamlDocument[] {
  let values: unknown[];
  let events: yaml.Event[];
  try {
    events = yaml.parseEvents(text, { filename: file });
    // Values are built from the same events, so a value and its position can never disagree.
    values = yaml.constructFromEvents(events, {
      source: text,
      filename: file,
      schema: options.yaml11 ? yaml.YAML11_SCHEMA : yaml.CORE_SCHEMA,
    });
  } catch (e: unknown) {
    throw yamlSyntaxError(e, file);
  }
  const toPos = positionFinder(text);
  const docs: YamlDocument[] = [];
  let i = 0;
  let docIndex = 0;
  while (i < events.length) {
    const ev = events[i] as yaml.Event;
    if (ev.type !== E.DOCUMENT) {
      i++;
      continue;
    }
    const values_ = new Map<string, number>();
    const keys = new Map<string, number>();
    i++;
    let firstOffset = -1;
    if (i < events.length && (events[i] as yaml.Event).type !== E.POP) {
      firstOffset = startOf(events[i] as yaml.Event);
      i = walk(events, i, [], text, values_, keys);
    }
    i++; // the document's POP
    const value = values[docIndex++];
    const docLine = firstOffset >= 0 ? toPos(firstOffset).line : 1;
    const locateKey = (path: readonly PathKey[]) => {
      const o = keys.get(pathKey(path)) ?? values_.get(pathKey(path));
      return o === undefined ? undefined : toPos(o);
    };
    docs.push({
      file,
      value,
      line: docLine,
      locate: (path) => {
        const o = values_.get(pathKey(path));
        return o === undefined ? undefined : toPos(o);
      },
      locateKey,
      nearest: (path) => {
        for (let n = path.length; n >= 0; n--) {
          const pos = locateKey(path.slice(0, n));
          if (pos) return pos;
        }
        return { line: docLine, column: 1 };
      },
    });
  }
  return docs;
}

/** Parses a single-document YAML text (an empty text is an empty document). */
export function parseYamlDocument(text: string, file: string): YamlDocument {
  const docs = parseYamlDocuments(text, file);
  if (docs.length > 1)
    throw new SourceError({ file, line: docs[1]?.line }, 'expected one YAML document, found several');
  return (
    docs[0] ?? {
      file,
      value: undefined,
      line: 1,
      locate: () => undefined,
      locateKey: () => undefined,
      nearest: () => ({ line: 1, column: 1 }),
    }
  );
}

function yamlSyntaxError(e: unknown, file: string): SourceError {
  if (e instanceof yaml.YAMLException) {
    const mark = (e as unknown as { mark?: { line?: number; column?: number } }).mark;
    const reason = (e as unknown as { reason?: string }).reason ?? e.message.split('\n')[0] ?? 'invalid YAML';
    return new SourceError(
      { file, line: (mark?.line ?? 0) + 1, column: (mark?.column ?? 0) + 1 },
      `invalid YAML: ${reason}`,
    );
  }
  return new SourceError({ file }, `invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
}

function pathKey(path: readonly PathKey[]): string {
  return JSON.stringify(path);
}

function startOf(ev: yaml.Event): number {
  switch (ev.type) {
    case E.SCALAR: {
      const s = ev as yaml.ScalarEvent;
      const candidates = [s.anchorStart, s.tagStart, s.valueStart].filter((n) => n >= 0);
      return candidates.length > 0 ? Math.min(...candidates) : 0;
    }
    case E.MAPPING:
    case E.SEQUENCE: {
      const c = ev as yaml.MappingEvent;
      const candidates = [c.anchorStart, c.tagStart, c.start].filter((n) => n >= 0);
      return candidates.length > 0 ? Math.min(...candidates) : 0;
    }
    case E.ALIAS:
      return Math.max(0, (ev as yaml.AliasEvent).anchorStart - 1);
    default:
      return 0;
  }
}

/** Walks the node starting at events[i]; returns the index after it. */
function walk(
  events: yaml.Event[],
  i: number,
  path: PathKey[],
  text: string,
  values: Map<string, number>,
  keys: Map<string, number>,
): number {
  const ev = events[i] as yaml.Event;
  values.set(pathKey(path), startOf(ev));
  if (ev.type === E.MAPPING) {
    i++;
    while (i < events.length && (events[i] as yaml.Event).type !== E.POP) {
      const keyEv = events[i] as yaml.Event;
      const key = keyEv.type === E.SCALAR ? yaml.getScalarValue(text, keyEv as yaml.ScalarEvent) : `#${i}`;
      const childPath = [...path, key];
      keys.set(pathKey(childPath), startOf(keyEv));
      i = skip(events, i); // complex keys are not addressed
      if (i >= events.length || (events[i] as yaml.Event).type === E.POP) break;
      i = walk(events, i, childPath, text, values, keys);
    }
    return i + 1;
  }
  if (ev.type === E.SEQUENCE) {
    i++;
    let index = 0;
    while (i < events.length && (events[i] as yaml.Event).type !== E.POP) {
      i = walk(events, i, [...path, index++], text, values, keys);
    }
    return i + 1;
  }
  return i + 1;
}

/** Skips one node (scalar, alias or a whole collection). */
function skip(events: yaml.Event[], i: number): number {
  const ev = events[i] as yaml.Event;
  if (ev.type !== E.MAPPING && ev.type !== E.SEQUENCE) return i + 1;
  let depth = 0;
  for (; i < events.length; i++) {
    const t = (events[i] as yaml.Event).type;
    if (t === E.MAPPING || t === E.SEQUENCE) depth++;
    else if (t === E.POP && --depth === 0) return i + 1;
  }
  return i;
}

function positionFinder(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
  };
}
