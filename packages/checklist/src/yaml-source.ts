import { parseYamlDocuments, type ParseYamlOptions } from '@ralph-deploy/config';

/** A path into a YAML value: mapping keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>;

/** One non-empty document of a YAML file: its value and where any part of it is written. */
export interface YamlDocument {
  file: string;
  index: number;
  value: unknown;
  /** 1-based line and column of the key at `path` (or of the closest existing ancestor). */
  position(path: YamlPath): { line: number; column: number };
}

/**
 * Every non-empty document of a YAML text with positions (the shared parser of @ralph-deploy/config).
 * Manifests and Prometheus files are read as YAML 1.1 by default, as Kubernetes and Prometheus read
 * them (`defaultMode: 0400` is octal 256); `yaml11: false` reads YAML 1.2 (our own checklists).
 */
export function loadYamlDocuments(text: string, file: string, options: ParseYamlOptions = {}): YamlDocument[] {
  return parseYamlDocuments(text, file, { yaml11: options.yaml11 !== false })
    .map((doc, index) => ({ file, index, value: doc.value, position: (path: YamlPath) => doc.nearest(path) }))
    .filter((doc) => doc.value !== null && doc.value !== undefined);
}
