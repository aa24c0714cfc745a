import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, constants, readdir, realpath } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { basename, delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { ActionError, InputError, errorMessage, passwordsInText, redactText } from '@ralph-deploy/common';

const run = promisify(execFile);

export type PgTool = 'pg_dump' | 'pg_restore';

export interface ToolInfo {
  path: string;
  major: number;
  /** e.g. "pg_dump (PostgreSQL) 15.18" */
  version: string;
}

/** Where Debian and Ubuntu install each major version's client programs (`<major>/bin/pg_dump`). */
export const DEBIAN_BIN_ROOT = '/usr/lib/postgresql';

/**
 * Finds `tool` in `pgBinDir` (when given) or on PATH, and reads its version. The error says how to
 * install the client when it is missing.
 *
 * On Debian and Ubuntu (GitHub's runners among them) the `pg_dump` on PATH is pg_wrapper, a Perl
 * script that picks a version and runs `<binRoot>/<major>/bin/pg_dump`. The version it reports is
 * the one checked, so that binary is run directly: every later run then uses the very version
 * that was checked, without another Perl start (a restore runs pg_restore several times).
 */
export async function findTool(
  tool: PgTool,
  pgBinDir?: string,
  env: NodeJS.ProcessEnv = process.env,
  binRoot = DEBIAN_BIN_ROOT,
): Promise<ToolInfo> {
  let path: string | undefined;
  if (pgBinDir) {
    path = join(pgBinDir, tool);
    if (!(await isExecutable(path))) throw new InputError('pg-bin-dir', `${path} does not exist or is not executable`);
  } else {
    for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
      if (await isExecutable(join(dir, tool))) {
        path = join(dir, tool);
        break;
      }
    }
    if (!path) {
      throw new ActionError(
        `${tool} was not found on PATH: install the PostgreSQL client (apt-get install postgresql-client) or set pg-bin-dir`,
      );
    }
  }
  let stdout: string;
  try {
    ({ stdout } = await run(path, ['--version'], { timeout: 30_000 }));
  } catch (e: unknown) {
    throw new ActionError(`${path} --version failed: ${errorMessage(e)}`);
  }
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(stdout) ?? /(\d+)\.(\d+)/.exec(stdout);
  if (!m) throw new ActionError(`cannot read the version of ${path} from "${stdout.trim()}"`);
  const major = Number(m[1]);
  const version = stdout.trim().split('\n')[0] as string;
  return { path: pgBinDir ? path : await behindWrapper(path, tool, major, binRoot), major, version };
}

/** The binary Debian's pg_wrapper runs for `major`, when `path` is that wrapper and the binary is there. */
async function behindWrapper(path: string, tool: PgTool, major: number, binRoot: string): Promise<string> {
  const real = await realpath(path).catch(() => path);
  if (basename(real) !== 'pg_wrapper') return path;
  const direct = join(binRoot, String(major), 'bin', tool);
  return (await isExecutable(direct)) ? direct : path;
}

/**
 * pg_dump refuses a server newer than itself (and pg_restore an archive from a newer pg_dump);
 * checking first turns a mid-run failure into an actionable message.
 */
export async function requireToolMajor(tool: ToolInfo, name: PgTool, neededMajor: number, why: string): Promise<void> {
  if (tool.major >= neededMajor) return;
  const candidate = join(DEBIAN_BIN_ROOT, String(neededMajor), 'bin');
  const installed = await isExecutable(join(candidate, name));
  const newer = installed ? [] : await installedMajorsAtLeast(neededMajor, name);
  const fix = installed
    ? `set pg-bin-dir to ${candidate} (it is installed) or put it first on PATH`
    : newer.length > 0
      ? `set pg-bin-dir to ${join(DEBIAN_BIN_ROOT, String(newer[0]), 'bin')} (installed) or put it first on PATH`
      : `install postgresql-client-${neededMajor} (e.g. apt-get install postgresql-client-${neededMajor} from apt.postgresql.org) and set pg-bin-dir to ${candidate} or put that directory first on PATH`;
  throw new ActionError(`${tool.path} is version ${tool.major}, older than ${why} (${neededMajor}): ${fix}`);
}

async function installedMajorsAtLeast(major: number, name: PgTool): Promise<number[]> {
  const dirs = await readdir(DEBIAN_BIN_ROOT).catch(() => [] as string[]);
  const found: number[] = [];
  for (const d of dirs) {
    const n = Number(d);
    if (Number.isInteger(n) && n >= major && (await isExecutable(join(DEBIAN_BIN_ROOT, d, 'bin', name)))) found.push(n);
  }
  return found.sort((a, b) => a - b);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The connection for a libpq tool: the URL without its password on the command line (visible in
 * `ps`) and the password in PGPASSWORD.
 */
export function libpqConnection(url: string): { dbname: string; env: Record<string, string> } {
  const u = new URL(url);
  const password = u.password ? safeDecode(u.password) : undefined;
  u.password = '';
  const env: Record<string, string> = { PGCONNECT_TIMEOUT: '30' };
  if (password !== undefined) env.PGPASSWORD = password;
  return { dbname: u.toString(), env };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface ToolProcess {
  child: ChildProcess;
  /** Settles when the process exits; never rejects. */
  exited: Promise<ToolExit>;
}

export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of stderr, secrets removed. */
  stderr: string;
  /** Set when the process could not be started at all. */
  spawnError?: string;
}

const STDERR_TAIL = 16 * 1024;

/** Starts a PostgreSQL client tool; stderr is kept (its last 16 KiB) for the error message. */
export function startTool(
  path: string,
  args: string[],
  options: {
    env: Record<string, string>;
    stdin?: 'ignore' | 'pipe';
    /** A socket given here becomes the tool's stdout (see dump.ts). */
    stdout?: 'ignore' | 'pipe' | Socket;
    secrets?: string[];
  },
): ToolProcess {
  const child = spawn(path, args, {
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ?? 'ignore', options.stdout ?? 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_TAIL);
  });
  const secrets = [...(options.secrets ?? []), ...(options.env.PGPASSWORD ? [options.env.PGPASSWORD] : [])];
  const clean = (t: string) => redactText(t, [...secrets, ...passwordsInText(t)]).trim();
  const exited = new Promise<ToolExit>((resolve) => {
    let spawnError: string | undefined;
    child.once('error', (e) => {
      spawnError = errorMessage(e);
      // 'close' may not follow a spawn failure
      if (child.pid === undefined) resolve({ code: null, signal: null, stderr: clean(stderr), spawnError });
    });
    child.once('close', (code, signal) =>
      resolve({ code, signal, stderr: clean(stderr), ...(spawnError ? { spawnError } : {}) }),
    );
  });
  return { child, exited };
}

/** "pg_dump failed (exit code 1): pg_dump: error: ..." */
export function describeExit(tool: string, exit: ToolExit): string {
  const how = exit.spawnError
    ? `could not start: ${exit.spawnError}`
    : exit.signal
      ? `was killed by ${exit.signal}`
      : `failed (exit code ${exit.code})`;
  const detail = exit.stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-5)
    .join(' | ');
  return `${tool} ${how}${detail ? `: ${detail}` : ''}`;
}
