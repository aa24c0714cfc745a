import { compareVersions, migrationLabel } from './files.js';
import type { HistoryRow } from './history.js';
import type { PreparedMigration } from './prepare.js';

export type EntryState =
  'applied' | 'pending' | 'failed' | 'changed' | 'missing' | 'out-of-order' | 'below-baseline' | 'baseline';

/** One line of `status`: a file, a history row, or both. */
export interface PlanEntry {
  label: string;
  script: string;
  kind: 'versioned' | 'repeatable' | 'baseline';
  version?: string;
  state: EntryState;
  /** Why, for pending entries ("new", "changed since last applied", "out of order") and problems. */
  note?: string;
  appliedAt?: Date;
  executionMs?: number;
}

export interface ValidationProblem {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export interface Plan {
  entries: PlanEntry[];
  /** What migrate would run, in order. */
  pending: PreparedMigration[];
  /** Validation failures: migrate refuses to run while there are any. */
  problems: ValidationProblem[];
  /** Rows of failed non-transactional migrations. */
  dirty: HistoryRow[];
  currentVersion?: string;
  baselineVersion?: string;
}

/**
 * Compares the files with the history. Pure: computing the plan is kept apart from acting on it,
 * so plan, status and migrate agree by construction.
 */
export function makePlan(files: PreparedMigration[], rows: HistoryRow[], options: { allowOutOfOrder: boolean }): Plan {
  const entries: PlanEntry[] = [];
  const problems: ValidationProblem[] = [];
  const pending: PreparedMigration[] = [];
  const dirty = rows.filter((r) => !r.success);
  const ok = rows.filter((r) => r.success);

  const baseline = ok.filter((r) => r.type === 'baseline').pop();
  const appliedVersioned = new Map<string, HistoryRow>();
  for (const r of ok) if (r.type === 'versioned' && r.version) appliedVersioned.set(r.version, r);
  const versions = [...appliedVersioned.keys(), ...(baseline?.version ? [baseline.version] : [])].sort(compareVersions);
  const currentVersion = versions[versions.length - 1];

  if (baseline)
    entries.push({
      label: `V${baseline.version} << baseline >>`,
      script: baseline.script,
      kind: 'baseline',
      version: baseline.version ?? '',
      state: 'baseline',
      appliedAt: baseline.appliedAt,
    });

  const fileVersions = new Set<string>();
  for (const f of files.filter((x) => x.kind === 'versioned')) {
    const version = f.version as string;
    fileVersions.add(version);
    const base = { label: migrationLabel(f), script: f.script, kind: 'versioned' as const, version };
    const row = findVersion(appliedVersioned, version);
    if (row) {
      const applied = { appliedAt: row.appliedAt, executionMs: row.executionMs };
      if (row.checksum !== f.checksum) {
        entries.push({ ...base, ...applied, state: 'changed' });
        problems.push({
          file: f.displayPath,
          message: `${f.displayPath} changed after it was applied as version ${version} on ${row.appliedAt.toISOString()} (checksum ${short(row.checksum)} -> ${short(f.checksum)}). Applied migrations must not change: restore the file and put the change in a new migration, or run command: repair to accept the new checksum`,
        });
      } else entries.push({ ...base, ...applied, state: 'applied' });
      continue;
    }
    if (baseline?.version && compareVersions(version, baseline.version) <= 0) {
      entries.push({ ...base, state: 'below-baseline', note: `at or below baseline ${baseline.version}` });
      continue;
    }
    if (dirty.some((d) => d.type === 'versioned' && d.version !== null && compareVersions(d.version, version) === 0)) {
      entries.push({ ...base, state: 'failed' });
      continue;
    }
    if (currentVersion !== undefined && compareVersions(version, currentVersion) < 0) {
      entries.push({
        ...base,
        state: options.allowOutOfOrder ? 'pending' : 'out-of-order',
        note: `older than the current version ${currentVersion}`,
      });
      if (options.allowOutOfOrder) pending.push(f);
      else {
        problems.push({
          file: f.displayPath,
          message: `${f.displayPath} (version ${version}) is older than the newest applied version ${currentVersion}: it was probably merged after a later migration ran. Give it a version above ${currentVersion} (rename the file), or set allow-out-of-order: true if it does not depend on the order`,
        });
      }
      continue;
    }
    entries.push({ ...base, state: 'pending', note: 'new' });
    pending.push(f);
  }

  for (const row of appliedVersioned.values()) {
    if ([...fileVersions].some((v) => compareVersions(v, row.version as string) === 0)) continue;
    entries.push({
      label: `V${row.version} ${row.description}`,
      script: row.script,
      kind: 'versioned',
      version: row.version as string,
      state: 'missing',
      appliedAt: row.appliedAt,
    });
    problems.push({
      file: row.script,
      message: `${row.script} (version ${row.version}, applied ${row.appliedAt.toISOString()}) is missing from the migrations directory. Restore the file from git history: applied migrations must stay`,
    });
  }

  // Repeatables: identified by description; re-applied when their checksum changes.
  const latestRepeatable = new Map<string, HistoryRow>();
  for (const r of ok) if (r.type === 'repeatable') latestRepeatable.set(r.description, r);
  const repeatableFiles = new Set<string>();
  for (const f of files.filter((x) => x.kind === 'repeatable')) {
    repeatableFiles.add(f.description);
    const base = { label: migrationLabel(f), script: f.script, kind: 'repeatable' as const };
    const row = latestRepeatable.get(f.description);
    if (dirty.some((d) => d.type === 'repeatable' && d.description === f.description)) {
      entries.push({ ...base, state: 'failed' });
    } else if (!row) {
      entries.push({ ...base, state: 'pending', note: 'new' });
      pending.push(f);
    } else if (row.checksum !== f.effectiveChecksum) {
      entries.push({ ...base, state: 'pending', note: 'changed since last applied', appliedAt: row.appliedAt });
      pending.push(f);
    } else entries.push({ ...base, state: 'applied', appliedAt: row.appliedAt, executionMs: row.executionMs });
  }
  for (const row of latestRepeatable.values()) {
    if (repeatableFiles.has(row.description)) continue;
    entries.push({
      label: `R ${row.description}`,
      script: row.script,
      kind: 'repeatable',
      state: 'missing',
      appliedAt: row.appliedAt,
    });
    problems.push({
      file: row.script,
      message: `${row.script} (repeatable, applied ${row.appliedAt.toISOString()}) is missing from the migrations directory. Restore it, or if it was removed on purpose run command: repair to forget it`,
    });
  }

  for (const d of dirty) {
    if (entries.some((e) => e.script === d.script && e.state === 'failed')) continue;
    entries.push({
      label: migrationLabel({ kind: d.type, version: d.version, description: d.description }),
      script: d.script,
      kind: d.type,
      state: 'failed',
      appliedAt: d.appliedAt,
    });
  }

  // Problems inside files that would run (syntax, mixed transactions, unknown placeholders).
  for (const f of pending)
    for (const p of f.problems)
      problems.push({
        file: f.displayPath,
        line: p.line,
        ...(p.column !== undefined ? { column: p.column } : {}),
        message: p.message,
      });

  pending.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'versioned' ? -1 : 1;
    return a.kind === 'versioned'
      ? compareVersions(a.version as string, b.version as string)
      : a.description.localeCompare(b.description);
  });
  return {
    entries,
    pending,
    problems,
    dirty,
    ...(currentVersion !== undefined ? { currentVersion } : {}),
    ...(baseline?.version ? { baselineVersion: baseline.version } : {}),
  };
}

function findVersion(map: Map<string, HistoryRow>, version: string): HistoryRow | undefined {
  const exact = map.get(version);
  if (exact) return exact;
  for (const [v, row] of map) if (compareVersions(v, version) === 0) return row;
  return undefined;
}

function short(checksum: string | null): string {
  return checksum ? checksum.slice(0, 12) : 'none';
}
