import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { InputError, SourceError } from '@ralph-deploy/common';
import { parseYamlDocuments, type PathKey } from '@ralph-deploy/config';

/** One object from a manifest file, with where it came from (for file:line errors and annotations). */
export interface Manifest {
  object: KubernetesObject & Record<string, unknown>;
  /** Path as the user wrote it (relative to the workspace). */
  file: string;
  line: number;
  locate(path: readonly PathKey[]): { line: number; column: number } | undefined;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * Reads `paths` (files, or folders whose *.yaml/*.yml/*.json files are read in name order, like
 * `kubectl apply -f dir`), every document of each, expanding `kind: List`. Every object must have
 * apiVersion, kind and metadata.name; problems point at file:line.
 */
export function loadManifests(paths: string[], cwd: string): Manifest[] {
  const out: Manifest[] = [];
  for (const p of paths) {
    const abs = isAbsolute(p) ? p : join(cwd, p);
    let files: string[];
    try {
      files = statSync(abs).isDirectory()
        ? readdirSync(abs)
            .filter((f) => MANIFEST_EXTENSIONS.has(extname(f).toLowerCase()))
            .sort()
            .map((f) => join(abs, f))
        : [abs];
    } catch {
      throw new InputError('manifests', `"${p}" does not exist`);
    }
    if (files.length === 0) throw new InputError('manifests', `folder "${p}" has no .yaml, .yml or .json files`);
    for (const file of files) out.push(...loadManifestFile(file, relative(cwd, file) || file));
  }
  return out;
}

export function loadManifestFile(abs: string, shown: string): Manifest[] {
  // YAML 1.1, as the API server's client tooling reads manifests: `defaultMode: 0400` is octal.
  const docs = parseYamlDocuments(readFileSync(abs, 'utf8'), shown, { yaml11: true });
  const out: Manifest[] = [];
  for (const doc of docs) {
    if (doc.value === null || doc.value === undefined) continue;
    const items: { value: unknown; base: PathKey[] }[] =
      isObject(doc.value) && doc.value.kind === 'List' && Array.isArray(doc.value.items)
        ? doc.value.items.map((value, i) => ({ value, base: ['items', i] }))
        : [{ value: doc.value, base: [] }];
    for (const { value, base } of items) {
      const where = (path: PathKey[]) => doc.locate([...base, ...path]);
      const at = (path: PathKey[]) => {
        const pos = path.length > 0 ? (doc.locateKey([...base, ...path]) ?? where(path)) : where(path);
        return { file: shown, line: pos?.line ?? doc.line, column: pos?.column ?? 1 };
      };
      if (!isObject(value))
        throw new SourceError(at([]), 'a manifest document must be a mapping (a Kubernetes object)');
      for (const field of ['apiVersion', 'kind'] as const) {
        if (typeof value[field] !== 'string' || value[field] === '')
          throw new SourceError(at([]), `the object has no ${field}`);
      }
      const meta = value.metadata;
      if (!isObject(meta) || typeof meta.name !== 'string' || meta.name === '') {
        throw new SourceError(at(isObject(meta) ? ['metadata'] : []), `the ${value.kind} has no metadata.name`);
      }
      out.push({
        object: value as unknown as Manifest['object'],
        file: shown,
        line: where([])?.line ?? doc.line,
        locate: (path) => where([...path]),
      });
    }
  }
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> & { kind?: unknown; items?: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Apply order: what others depend on first (as Helm's install order), the file order otherwise. */
const KIND_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'PriorityClass',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
];

export function applyOrder(manifests: Manifest[]): Manifest[] {
  const rank = (m: Manifest) => {
    const i = KIND_ORDER.indexOf(m.object.kind ?? '');
    return i === -1 ? KIND_ORDER.length : i;
  };
  return manifests
    .map((m, i) => ({ m, i }))
    .sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i)
    .map(({ m }) => m);
}
