import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { errorMessage, type Logger } from '@ralph-deploy/common';
import { createScratchDatabase, dropDatabase, exactRowCounts, withClient } from './database.js';
import type { Manifest } from './manifest.js';
import { runRestore, type RestoreResult } from './restore.js';
import type { BackupStore } from './storage/types.js';

export interface VerifyOptions {
  store: BackupStore;
  manifest: Manifest;
  /** A connection to the server where the scratch database is created (any database on it). */
  serverUrl: string;
  jobs: number;
  /** Allowed relative difference between restored row counts and the manifest's estimates. */
  rowTolerance: number;
  /** A query run in the restored database; it passes when its first row's first column is true. */
  sql?: string;
  workDir?: string;
  pgBinDir?: string;
  /** maintenance_work_mem for the restore's sessions; undefined keeps the server's. */
  maintenanceWorkMem?: string;
  /** A memory filesystem preferred for the decompressed dump (see RestoreOptions). */
  memoryDir?: string;
  log: Logger;
  signal?: AbortSignal;
}

export type CheckStatus = 'pass' | 'fail' | 'warn';
export interface VerifyCheck {
  status: CheckStatus;
  title: string;
  detail: string;
}

export interface VerifyResult {
  scratchDatabase: string;
  restore?: RestoreResult;
  checks: VerifyCheck[];
  passed: boolean;
}

/** Absolute slack for small tables, whose estimates lag most in relative terms. */
const ROW_SLACK = 10;

/**
 * Restores the backup into a throwaway database, checks it, and drops it again (also on failure).
 * The restore time is the recovery-time evidence.
 */
export async function runVerify(o: VerifyOptions): Promise<VerifyResult> {
  const { log, manifest } = o;
  const scratch = `ralph_verify_${manifest.id.toLowerCase().replace(/[^a-z0-9]/g, '_')}_${randomBytes(3).toString('hex')}`;
  const checks: VerifyCheck[] = [];
  const result: VerifyResult = { scratchDatabase: scratch, checks, passed: false };
  const scratchUrl = await createScratchDatabase(o.serverUrl, scratch, log);
  const pathsDir =
    manifest.paths.length > 0 ? await mkdtemp(join(o.workDir ?? tmpdir(), 'ralph-verify-paths-')) : undefined;
  try {
    try {
      result.restore = await runRestore({
        store: o.store,
        manifest,
        targetUrl: scratchUrl,
        jobs: o.jobs,
        clean: false,
        freshTarget: true,
        ...(pathsDir ? { restoreDir: pathsDir } : {}),
        ...(o.workDir ? { workDir: o.workDir } : {}),
        ...(o.pgBinDir ? { pgBinDir: o.pgBinDir } : {}),
        ...(o.maintenanceWorkMem ? { maintenanceWorkMem: o.maintenanceWorkMem } : {}),
        ...(o.memoryDir ? { memoryDir: o.memoryDir } : {}),
        log,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      checks.push({
        status: 'pass',
        title: 'checksums and restore',
        detail: `every object matched its sha256; restored in ${(result.restore.totalMs / 1000).toFixed(1)}s`,
      });
    } catch (e: unknown) {
      checks.push({ status: 'fail', title: 'checksums and restore', detail: errorMessage(e) });
      return result;
    }
    checks.push(...(await tableChecks(scratchUrl, manifest, o.rowTolerance, log)));
    if (result.restore.pathsRestored) {
      const want = manifest.paths.reduce((n, p) => ({ files: n.files + p.files, bytes: n.bytes + p.bytes }), {
        files: 0,
        bytes: 0,
      });
      const got = result.restore.pathsRestored;
      checks.push({
        status: got.files === want.files && got.bytes === want.bytes ? 'pass' : 'fail',
        title: 'data paths',
        detail: `${got.files} files, ${got.bytes} bytes extracted (manifest: ${want.files} files, ${want.bytes} bytes)`,
      });
    }
    if (o.sql) checks.push(await sqlAssertion(scratchUrl, o.sql, log));
    return result;
  } finally {
    result.passed = checks.length > 0 && checks.every((c) => c.status !== 'fail');
    await dropDatabase(o.serverUrl, scratch, log).catch((e: unknown) =>
      log.warning(`could not drop scratch database ${scratch}: ${errorMessage(e)}`),
    );
    if (pathsDir) await rm(pathsDir, { recursive: true, force: true });
  }
}

async function tableChecks(url: string, manifest: Manifest, tolerance: number, log: Logger): Promise<VerifyCheck[]> {
  const counts = await exactRowCounts(url, manifest.database.tables, log);
  const missing: string[] = [];
  const off: string[] = [];
  let unknown = 0;
  for (const t of manifest.database.tables) {
    const key = `${t.schema}.${t.name}`;
    const n = counts.get(key);
    if (n === null || n === undefined) {
      missing.push(key);
      continue;
    }
    if (t.rows === null) {
      unknown++;
      continue;
    }
    if (Math.abs(n - t.rows) > Math.max(Math.ceil(t.rows * tolerance), ROW_SLACK))
      off.push(`${key}: ${n} rows, estimate ${t.rows}`);
  }
  const total = manifest.database.tables.length;
  return [
    {
      status: missing.length === 0 ? 'pass' : 'fail',
      title: 'tables present',
      detail:
        missing.length === 0
          ? `all ${total} tables restored`
          : `missing: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`,
    },
    {
      status: off.length === 0 ? 'pass' : 'fail',
      title: 'row counts',
      detail:
        off.length === 0
          ? `${total - missing.length - unknown} tables within ${Math.round(tolerance * 100)}% of the manifest's estimates${unknown ? ` (${unknown} without an estimate)` : ''}`
          : off.slice(0, 10).join('; '),
    },
  ];
}

async function sqlAssertion(url: string, sql: string, log: Logger): Promise<VerifyCheck> {
  const title = 'verify-sql';
  try {
    const r = await withClient(url, log, (c) => c.query({ text: sql, rowMode: 'array' }));
    const rows = (Array.isArray(r) ? r[r.length - 1] : r) as { rows: unknown[][] };
    const first = rows.rows[0]?.[0];
    const ok =
      first === true ||
      first === 't' ||
      (typeof first === 'number' && first !== 0) ||
      (typeof first === 'string' && /^(true|[1-9]\d*)$/i.test(first));
    return {
      status: ok ? 'pass' : 'fail',
      title,
      detail: ok ? 'returned true' : `returned ${rows.rows.length === 0 ? 'no rows' : JSON.stringify(first)}`,
    };
  } catch (e: unknown) {
    return { status: 'fail', title, detail: errorMessage(e) };
  }
}
