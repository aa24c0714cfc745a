import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ActionError, SourceError } from '@ralph-deploy/common';

export type MigrationKind = 'versioned' | 'repeatable';

export interface MigrationFile {
  kind: MigrationKind;
  /** Normalised version ("1.2") for versioned files. */
  version?: string;
  description: string;
  /** Path relative to the migrations directory, with / separators: the history's `script`. */
  script: string;
  /** Path to show users and to annotate: relative to the workspace when inside it. */
  displayPath: string;
  absPath: string;
  text: string;
  /** sha256 of the file's bytes. */
  checksum: string;
}

const VERSIONED = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;

/** Splits "1.2.10" into numbers; compares part by part, missing parts count as 0 (1 == 1.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => BigInt(x));
  const pb = b.split('.').map((x) => BigInt(x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** "2_1" and "2.1" are the same version (Flyway's convention); leading zeros are dropped. */
export function normalizeVersion(v: string): string {
  return v
    .split(/[._]/)
    .map((p) => BigInt(p).toString())
    .join('.');
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Finds the migration files under `dir` (recursively), sorted the way they apply: versioned ones by
 * version, then repeatable ones by description. A `.sql` file whose name fits neither pattern is an
 * error rather than silently skipped: `V1_init.sql` is a typo that would otherwise never run.
 */
export function discoverMigrations(
  dir: string,
  options: { workspace?: string; inputName?: string } = {},
): MigrationFile[] {
  const root = resolve(dir);
  const inputName = options.inputName ?? 'migrations';
  const workspace = options.workspace ? resolve(options.workspace) : process.cwd();
  const display = (abs: string) => {
    const rel = relative(workspace, abs);
    return rel.startsWith('..') || isAbsolute(rel) ? abs : rel.split(sep).join('/');
  };
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new ActionError(`Input '${inputName}': directory ${display(root)} does not exist`);
  }
  const out: MigrationFile[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
      const abs = join(d, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) walk(abs);
        continue;
      }
      if (!entry.name.toLowerCase().endsWith('.sql')) continue;
      const script = relative(root, abs).split(sep).join('/');
      const buf = readFileSync(abs);
      const base = {
        script,
        displayPath: display(abs),
        absPath: abs,
        text: buf.toString('utf8').replace(/^\uFEFF/, ''),
        checksum: sha256(buf),
      };
      const v = VERSIONED.exec(entry.name);
      const r = REPEATABLE.exec(entry.name);
      if (v)
        out.push({
          ...base,
          kind: 'versioned',
          version: normalizeVersion(v[1] as string),
          description: describe(v[2] as string),
        });
      else if (r) out.push({ ...base, kind: 'repeatable', description: describe(r[1] as string) });
      else {
        throw new SourceError(
          { file: base.displayPath },
          `file name does not match V<version>__<description>.sql (e.g. V3__add_orders.sql, V3.1__index.sql) or R__<description>.sql; rename it or move it out of the migrations directory`,
        );
      }
    }
  };
  walk(root);
  const versioned = out
    .filter((m) => m.kind === 'versioned')
    .sort((a, b) => compareVersions(a.version as string, b.version as string));
  for (let i = 1; i < versioned.length; i++) {
    const prev = versioned[i - 1] as MigrationFile;
    const cur = versioned[i] as MigrationFile;
    if (compareVersions(prev.version as string, cur.version as string) === 0) {
      throw new SourceError(
        { file: cur.displayPath },
        `version ${cur.version} is also used by ${prev.displayPath}; every versioned migration needs its own version`,
      );
    }
  }
  const repeatable = out
    .filter((m) => m.kind === 'repeatable')
    .sort((a, b) => a.description.localeCompare(b.description));
  const seen = new Map<string, MigrationFile>();
  for (const m of repeatable) {
    const other = seen.get(m.description);
    if (other)
      throw new SourceError(
        { file: m.displayPath },
        `repeatable migration "${m.description}" is also defined by ${other.displayPath}`,
      );
    seen.set(m.description, m);
  }
  return [...versioned, ...repeatable];
}

function describe(raw: string): string {
  return raw.replace(/_/g, ' ').trim();
}

/** "V3.1" or "R" + description, for lists. */
export function migrationLabel(m: {
  kind: MigrationKind | 'baseline';
  version?: string | null;
  description: string;
}): string {
  if (m.kind === 'repeatable') return `R ${m.description}`;
  return `V${m.version} ${m.description}`;
}
