import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Finding } from '../../types.js';
import { loadYamlDocuments, type YamlDocument, type YamlPath } from '../../yaml-source.js';

export type Obj = Record<string, unknown>;

/** One Kubernetes object from a manifest file, with a way to point at any of its fields. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  value: Obj;
  doc: YamlDocument;
  /** Path of the object inside its document ([] or ['items', i] inside a `kind: List`). */
  base: YamlPath;
}

/** Kinds whose pods come from a template, and where the pod spec lives. */
const POD_SPEC_PATH: Record<string, string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};

export const MAX_MANIFEST_FILES = 500;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function get(v: unknown, path: YamlPath): unknown {
  let cur = v;
  for (const step of path) {
    if (typeof step === 'number') cur = Array.isArray(cur) ? cur[step] : undefined;
    else cur = isObj(cur) ? cur[step] : undefined;
  }
  return cur;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function ref(o: K8sObject): string {
  return `${o.kind.toLowerCase()}/${o.name}`;
}

/** A finding pointing at `path` inside the object (or its closest written ancestor). */
export function at(o: K8sObject, path: YamlPath, level: Finding['level'], message: string): Finding {
  const { line, column } = o.doc.position([...o.base, ...path]);
  return { level, message: `${ref(o)}: ${message}`, file: o.doc.file, line, column };
}

/** Manifest files under the given paths (files, or directories searched recursively for .yaml/.yml/.json, as kubectl apply -f does). */
export async function manifestFiles(paths: string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string, explicit: boolean): Promise<void> => {
    if (out.length >= MAX_MANIFEST_FILES) return;
    const st = await stat(abs);
    if (st.isDirectory()) {
      const entries = (await readdir(abs)).sort();
      for (const e of entries) if (!e.startsWith('.')) await walk(join(abs, e), false);
    } else if (explicit || /\.(ya?ml|json)$/i.test(abs)) {
      out.push(abs);
    }
  };
  for (const p of paths) await walk(resolve(cwd, p), true);
  return out;
}

/** Reads and parses manifests; files are named relative to `cwd` as annotations need. */
export async function loadManifests(paths: string[], cwd: string): Promise<K8sObject[]> {
  const objects: K8sObject[] = [];
  for (const abs of await manifestFiles(paths, cwd)) {
    const file = relative(cwd, abs) || abs;
    const text = await readFile(abs, 'utf8');
    for (const doc of loadYamlDocuments(text, file)) {
      if (!isObj(doc.value)) continue;
      // `kind: List` (what `kubectl get -o yaml` writes) carries its objects in `items`.
      const entries: [unknown, YamlPath][] =
        /List$/.test(String(doc.value.kind ?? '')) && Array.isArray(doc.value.items)
          ? doc.value.items.map((item, i) => [item, ['items', i]])
          : [[doc.value, []]];
      for (const [v, base] of entries) {
        if (!isObj(v)) continue;
        const kind = typeof v.kind === 'string' ? v.kind : '';
        if (kind === '') continue;
        objects.push({
          apiVersion: typeof v.apiVersion === 'string' ? v.apiVersion : '',
          kind,
          name: String(get(v, ['metadata', 'name']) ?? ''),
          namespace: String(get(v, ['metadata', 'namespace']) ?? 'default'),
          value: v,
          doc,
          base,
        });
      }
    }
  }
  return objects;
}

export function podSpecPath(o: K8sObject): string[] | undefined {
  return POD_SPEC_PATH[o.kind];
}

/** The pod template's labels (what selectors of policies and spread constraints must match). */
export function podLabels(o: K8sObject): Record<string, string> {
  const specPath = podSpecPath(o);
  if (!specPath) return {};
  const metaPath = [...specPath.slice(0, -1), 'metadata', 'labels'];
  const labels = get(o.value, o.kind === 'Pod' ? ['metadata', 'labels'] : metaPath);
  return isObj(labels) ? Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])) : {};
}

export interface ContainerRef {
  name: string;
  value: Obj;
  path: YamlPath;
  init: boolean;
}

export function containers(o: K8sObject, includeInit = false): ContainerRef[] {
  const specPath = podSpecPath(o);
  if (!specPath) return [];
  const out: ContainerRef[] = [];
  const fields = includeInit ? (['initContainers', 'containers'] as const) : (['containers'] as const);
  for (const field of fields) {
    list(get(o.value, [...specPath, field])).forEach((c, i) => {
      if (isObj(c))
        out.push({
          name: String(c.name ?? `#${i}`),
          value: c,
          path: [...specPath, field, i],
          init: field === 'initContainers',
        });
    });
  }
  return out;
}

/** Kubernetes label selector semantics (matchLabels AND matchExpressions); an empty selector matches everything. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  const ml = selector.matchLabels;
  if (isObj(ml)) for (const [k, v] of Object.entries(ml)) if (labels[k] !== String(v)) return false;
  for (const e of list(selector.matchExpressions)) {
    if (!isObj(e)) return false;
    const key = String(e.key);
    const values = list(e.values).map(String);
    const has = key in labels;
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key] as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The workloads the application runs as (the rules that concern "the app" look at these). */
export function appWorkloads(objects: K8sObject[], kinds: string[]): K8sObject[] {
  return objects.filter((o) => kinds.includes(o.kind));
}
