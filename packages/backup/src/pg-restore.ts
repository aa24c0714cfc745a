import { ActionError, redactUrl, type Logger } from '@ralph-deploy/common';
import { describeExit, libpqConnection, startTool } from './pgtools.js';

export interface PgRestoreRun {
  pgRestore: string;
  file: string;
  targetUrl: string;
  jobs: number;
  /** Keep the dump's owners and privileges (the roles must exist in the target). */
  keepOwnership?: boolean;
  clean?: boolean;
  /** maintenance_work_mem for the sessions (e.g. "256MB"); undefined keeps the server's. */
  maintenanceWorkMem?: string;
  /** A pg_restore -L list: only these entries, in this order. */
  list?: string;
  log: Logger;
  signal?: AbortSignal;
}

/** Runs pg_restore from an archive file into the target; fails with pg_restore's own last words. */
export async function runPgRestore(r: PgRestoreRun): Promise<void> {
  const { dbname, env } = libpqConnection(r.targetUrl);
  if (r.maintenanceWorkMem) {
    // Index and constraint builds are most of a restore after the data: let them sort in memory.
    env.PGOPTIONS = [process.env.PGOPTIONS, `-c maintenance_work_mem=${r.maintenanceWorkMem}`]
      .filter(Boolean)
      .join(' ');
  }
  const args = [`--dbname=${dbname}`, `--jobs=${r.jobs}`, '--exit-on-error', '--no-password'];
  if (!r.keepOwnership) args.push('--no-owner', '--no-privileges');
  if (r.clean) args.push('--clean', '--if-exists');
  if (r.list) args.push(`--use-list=${r.list}`);
  args.push(r.file);
  if (r.signal?.aborted) throw r.signal.reason;
  const proc = startTool(r.pgRestore, args, { env, stdout: 'ignore', secrets: [r.targetUrl] });
  const onAbort = () => proc.child.kill('SIGTERM');
  r.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await proc.exited;
    if (r.signal?.aborted) throw r.signal.reason;
    if (exit.code !== 0 || exit.spawnError) throw new ActionError(describeExit('pg_restore', exit));
  } finally {
    r.signal?.removeEventListener('abort', onAbort);
  }
}

/** "pg_restore --jobs=2 --clean into postgresql://...": what the log says before a run. */
export function describePgRestore(r: Pick<PgRestoreRun, 'jobs' | 'clean' | 'targetUrl'>): string {
  return `pg_restore --jobs=${r.jobs}${r.clean ? ' --clean' : ''} into ${redactUrl(r.targetUrl)}`;
}
