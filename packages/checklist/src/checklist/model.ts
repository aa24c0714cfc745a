import type { Severity } from '../types.js';

/** One check of an item: a kind plus that kind's parameters. */
export interface CheckSpec {
  kind: string;
  params: Record<string, unknown>;
}

export interface ChecklistItem {
  id: string;
  /** The guide's wording (Chinese original). */
  title: string;
  titleEn?: string;
  /** The guide's bold heading the item sits under (e.g. 计算资源). */
  group?: string;
  groupEn?: string;
  severity: Severity;
  manual: boolean;
  /** All must pass; empty for manual items. */
  checks: CheckSpec[];
  /** Where the item is written, for error messages (path inside the checklist source). */
  path: (string | number)[];
}

export interface ChecklistPhase {
  name: string;
  title: string;
  titleEn?: string;
  /** Other phases evaluated with this one (the guide's pre-deploy list includes infrastructure and security). */
  include: string[];
  items: ChecklistItem[];
}

export interface Checklist {
  phases: ChecklistPhase[];
  /** Where it came from, for messages: a file path or "spec". */
  source: string;
  /** file:line of a path inside the checklist source, when known. */
  locate?: (path: (string | number)[]) => { file: string; line?: number; column?: number } | undefined;
}

/** A problem at a path inside the checklist source; the loader turns the path into file:line. */
export class ChecklistError extends Error {
  constructor(
    readonly path: (string | number)[],
    problem: string,
  ) {
    super(problem);
    this.name = 'ChecklistError';
  }
}

const ID = /^[a-z0-9][a-z0-9._-]*$/;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, path: (string | number)[], required = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw new ChecklistError(path, `'${path[path.length - 1]}' is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '')
    throw new ChecklistError(path, `'${path[path.length - 1]}' must be a non-empty string`);
  return v;
}

function parseCheck(v: unknown, path: (string | number)[]): CheckSpec {
  if (typeof v === 'string') return { kind: v, params: {} };
  if (!isObj(v)) throw new ChecklistError(path, 'a check must be a mapping with a kind');
  const kind = str(v.kind, [...path, 'kind'], true) as string;
  const { kind: _k, ...params } = v;
  return { kind, params };
}

function parseItem(v: unknown, path: (string | number)[]): ChecklistItem {
  if (!isObj(v)) throw new ChecklistError(path, 'an item must be a mapping');
  const known = ['id', 'title', 'title-en', 'group', 'group-en', 'severity', 'manual', 'check', 'checks'];
  for (const k of Object.keys(v))
    if (!known.includes(k))
      throw new ChecklistError([...path, k], `unknown item field '${k}' (known: ${known.join(', ')})`);
  const id = str(v.id, [...path, 'id'], true) as string;
  if (!ID.test(id))
    throw new ChecklistError([...path, 'id'], `item id '${id}' must be lower-case letters, digits, '.', '_' or '-'`);
  const severity = v.severity ?? 'block';
  if (severity !== 'block' && severity !== 'warn')
    throw new ChecklistError([...path, 'severity'], `severity must be block or warn`);
  if (v.manual !== undefined && typeof v.manual !== 'boolean')
    throw new ChecklistError([...path, 'manual'], 'manual must be true or false');
  const manual = v.manual === true;
  const raw = v.checks ?? v.check;
  const rawPath = [...path, v.checks !== undefined ? 'checks' : 'check'];
  const checks =
    raw === undefined
      ? []
      : Array.isArray(raw)
        ? raw.map((c, i) => parseCheck(c, [...rawPath, i]))
        : [parseCheck(raw, rawPath)];
  if (manual && checks.length > 0) throw new ChecklistError(path, `item ${id} is manual and has checks: choose one`);
  if (!manual && checks.length === 0)
    throw new ChecklistError(path, `item ${id} has no check (set check: {kind: ...} or manual: true)`);
  const item: ChecklistItem = {
    id,
    title: str(v.title, [...path, 'title'], true) as string,
    severity,
    manual,
    checks,
    path,
  };
  const titleEn = str(v['title-en'], [...path, 'title-en']);
  const group = str(v.group, [...path, 'group']);
  const groupEn = str(v['group-en'], [...path, 'group-en']);
  if (titleEn) item.titleEn = titleEn;
  if (group) item.group = group;
  if (groupEn) item.groupEn = groupEn;
  return item;
}

/** Validates a checklist document ({ phases: { name: { title, include, items } } }). */
export function parseChecklist(v: unknown, source: string, base: (string | number)[] = []): Checklist {
  if (!isObj(v) || !isObj(v.phases))
    throw new ChecklistError(base, "a checklist needs 'phases': a mapping of phase name to { title, items }");
  const phases: ChecklistPhase[] = [];
  const ids = new Map<string, string>();
  for (const [name, pv] of Object.entries(v.phases)) {
    const path = [...base, 'phases', name];
    if (!ID.test(name))
      throw new ChecklistError(path, `phase name '${name}' must be lower-case letters, digits, '.', '_' or '-'`);
    if (!isObj(pv)) throw new ChecklistError(path, `phase ${name} must be a mapping`);
    const include =
      pv.include === undefined ? [] : Array.isArray(pv.include) ? pv.include.map(String) : [String(pv.include)];
    const itemsRaw = pv.items ?? [];
    if (!Array.isArray(itemsRaw)) throw new ChecklistError([...path, 'items'], `phase ${name}: items must be a list`);
    const items = itemsRaw.map((it, i) => parseItem(it, [...path, 'items', i]));
    for (const it of items) {
      const prev = ids.get(it.id);
      if (prev) throw new ChecklistError(it.path, `item id '${it.id}' is used twice (also in phase ${prev})`);
      ids.set(it.id, name);
    }
    const phase: ChecklistPhase = { name, title: str(pv.title, [...path, 'title']) ?? name, include, items };
    const titleEn = str(pv['title-en'], [...path, 'title-en']);
    if (titleEn) phase.titleEn = titleEn;
    phases.push(phase);
  }
  for (const p of phases) {
    for (const inc of p.include) {
      if (!phases.some((q) => q.name === inc))
        throw new ChecklistError(
          [...base, 'phases', p.name, 'include'],
          `phase ${p.name} includes unknown phase ${inc}`,
        );
    }
  }
  return { phases, source };
}

/** The phases to evaluate for `names`, includes first, each once, in a stable order. */
export function selectPhases(list: Checklist, names: string[]): ChecklistPhase[] {
  const out: ChecklistPhase[] = [];
  const visit = (name: string, trail: string[]) => {
    if (out.some((p) => p.name === name)) return;
    const p = list.phases.find((q) => q.name === name);
    if (!p) throw new Error(`unknown phase '${name}' (known: ${list.phases.map((q) => q.name).join(', ')})`);
    if (trail.includes(name)) throw new Error(`phase ${name} includes itself (${[...trail, name].join(' -> ')})`);
    for (const inc of p.include) visit(inc, [...trail, name]);
    out.push(p);
  };
  for (const n of names) visit(n, []);
  return out;
}
