/**
 * Label selectors as the API server reads them (k8s.io/apimachinery/pkg/labels): the `labelSelector`
 * query string, equality- and set-based, and the structured `LabelSelector` of a Deployment.
 */
import type { JsonObject, LabelSelector } from './types.js';

export type Operator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export class SelectorSyntaxError extends Error {}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Split on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function checkKey(key: string): string {
  if (!KEY.test(key) || key.length > 316) throw new SelectorSyntaxError(`invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (value.length > 63 || !VALUE.test(value)) throw new SelectorSyntaxError(`invalid label value: "${value}"`);
  return value;
}

function parseRequirement(raw: string): Requirement {
  const text = raw.trim();
  if (text.startsWith('!')) return { key: checkKey(text.slice(1).trim()), operator: '!', values: [] };
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const values = set[3]!.split(',').map((v) => checkValue(v.trim()));
    return { key: checkKey(set[1]!), operator: set[2] as 'in' | 'notin', values };
  }
  const eq = /^([^=!<>\s]+)\s*(==|!=|=|>|<)\s*(.*)$/.exec(text);
  if (eq) {
    const op = eq[2]!;
    const value = eq[3]!.trim();
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(value))
        throw new SelectorSyntaxError(`for 'gt', 'lt' operators, the value must be an integer`);
      return { key: checkKey(eq[1]!), operator: op === '>' ? 'gt' : 'lt', values: [value] };
    }
    return { key: checkKey(eq[1]!), operator: op as '=' | '==' | '!=', values: [checkValue(value)] };
  }
  if (/^\S+$/.test(text)) return { key: checkKey(text), operator: 'exists', values: [] };
  throw new SelectorSyntaxError(`unable to parse requirement: "${text}"`);
}

export function parseLabelSelector(text: string | null | undefined): Requirement[] {
  if (!text || !text.trim()) return [];
  return splitTopLevel(text).map(parseRequirement);
}

export function matchesRequirement(labels: Record<string, string> | undefined, r: Requirement): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels![r.key]! : undefined;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value!);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value!)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'gt' ? n > bound : n < bound;
    }
  }
}

export function matchesAll(labels: Record<string, string> | undefined, requirements: Requirement[]): boolean {
  return requirements.every((r) => matchesRequirement(labels, r));
}

/** metav1.LabelSelectorAsSelector: an empty selector matches everything, a missing one nothing. */
export function requirementsOf(selector: LabelSelector | undefined): Requirement[] | undefined {
  if (!selector) return undefined;
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    requirements.push({ key, operator: '=', values: [value] });
  for (const e of selector.matchExpressions ?? []) {
    const operator = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[e.operator];
    if (!operator) throw new SelectorSyntaxError(`"${String(e.operator)}" is not a valid label selector operator`);
    requirements.push({ key: e.key, operator, values: [...(e.values ?? [])] });
  }
  return requirements;
}

export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const requirements = requirementsOf(selector);
  return requirements !== undefined && matchesAll(labels, requirements);
}

/** The string form (used by the scale subresource's status.selector), keys sorted like the API server. */
export function selectorToString(selector: LabelSelector | undefined): string {
  const requirements = requirementsOf(selector) ?? [];
  return requirements
    .slice()
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${[...r.values].sort().join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        default:
          return `${r.key}${r.operator === '==' ? '=' : r.operator}${r.values[0]}`;
      }
    })
    .join(',');
}

/** Field selectors: `a.b=c`, `a.b==c`, `a.b!=c` on dotted paths (metadata.name, status.phase, spec.nodeName...). */
export interface FieldRequirement {
  path: string[];
  negate: boolean;
  value: string;
}

export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  if (!text || !text.trim()) return [];
  return text.split(',').map((raw) => {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw new SelectorSyntaxError(`invalid field selector: "${raw}"`);
    return { path: m[1]!.split('.'), negate: m[2] === '!=', value: m[3]! };
  });
}

export function matchesFields(object: JsonObject, requirements: FieldRequirement[]): boolean {
  return requirements.every((r) => {
    let current: unknown = object;
    for (const part of r.path)
      current = current && typeof current === 'object' ? (current as JsonObject)[part] : undefined;
    const actual = current === undefined || current === null ? '' : String(current);
    return r.negate ? actual !== r.value : actual === r.value;
  });
}
