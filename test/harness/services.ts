import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Finds an executable on PATH or in extra directories; fails with what to install. */
export function requireBinary(name: string, install: string, extraDirs: string[] = []): string {
  for (const dir of [...extraDirs, ...(process.env.PATH ?? '').split(delimiter)]) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  throw new Error(`${name} is not installed: ${install}`);
}

const PG_DIRS = ['/usr/lib/postgresql/15/bin'];

export interface PostgresService {
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<pg.QueryResult<R>>;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL 15 server on a free loopback port with password (SCRAM) authentication.
 * initdb refuses to run as root, so the server runs as the `postgres` user when we are root.
 */
export async function startPostgres(): Promise<PostgresService> {
  const install = 'apt-get install -y postgresql-15 (needs initdb and postgres from /usr/lib/postgresql/15/bin)';
  const initdb = requireBinary('initdb', install, PG_DIRS);
  const postgres = requireBinary('postgres', install, PG_DIRS);
  const dir = mkdtempSync(join(tmpdir(), 'ralph-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${randomBytes(9).toString('hex')}`;
  writeFileSync(join(dir, 'pwfile'), `${password}\n`);
  // As root, run initdb and the server directly as the postgres user (no runuser in between, so
  // signals reach the server itself).
  const ids: { uid?: number; gid?: number } = process.getuid?.() === 0 ? postgresUserIds() : {};
  if (ids.uid !== undefined) {
    chownSync(dir, ids.uid, ids.gid as number);
    chownSync(join(dir, 'pwfile'), ids.uid, ids.gid as number);
  }
  chmodSync(dir, 0o700);
  const init = spawnSync(
    initdb,
    [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${join(dir, 'pwfile')}`,
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ],
    { encoding: 'utf8', cwd: dir, ...ids },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout || init.error?.message}`);
  const port = await freePort();
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=100',
    '-c',
    'shared_preload_libraries=pg_stat_statements',
  ];
  const proc = spawn(postgres, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...ids });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const urlFor = (database: string) =>
    `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`postgres exited: ${stderr}`);
      const c = new pg.Client({ connectionString: urlFor('postgres') });
      try {
        await c.connect();
        return true;
      } catch {
        return false;
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    30_000,
    'PostgreSQL to accept connections',
  );

  const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres') => {
    const c = new pg.Client({ connectionString: urlFor(database) });
    await c.connect();
    try {
      return await c.query<R>(sql, params);
    } finally {
      await c.end();
    }
  };
  return {
    url: urlFor('postgres'),
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    urlFor,
    query,
    createDatabase: async (name) => {
      await query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return urlFor(name);
    },
    stop: async () => {
      await stopProcess(proc, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface MotoService {
  endpoint: string;
  port: number;
  /** AWS SDK/CLI environment pointing at this moto server with dummy credentials. */
  env: Record<string, string>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** moto_server (AWS API emulator) on a free loopback port. */
export async function startMoto(): Promise<MotoService> {
  const bin = requireBinary('moto_server', 'pip install "moto[server]" (moto 5.x)');
  const port = await freePort();
  const proc = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`moto_server exited: ${stderr}`);
      return httpOk(`${endpoint}/moto-api/`);
    },
    30_000,
    'moto_server to answer',
  );
  return {
    endpoint,
    port,
    env: {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: () => stopProcess(proc, 'SIGTERM'),
  };
}

export interface RedisService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** redis-server on a free loopback port, no persistence; optional password (requirepass). */
export async function startRedis(options: { password?: string } = {}): Promise<RedisService> {
  const bin = requireBinary('redis-server', 'apt-get install -y redis-server', ['/usr/bin']);
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
      return out.includes('Ready to accept connections');
    },
    15_000,
    'redis-server to accept connections',
  );
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return { url: `redis://${auth}127.0.0.1:${port}/0`, port, stop: () => stopProcess(proc, 'SIGTERM') };
}

export interface PrometheusService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A real Prometheus scraping the given loopback targets (host:port) every `scrapeInterval`. */
export async function startPrometheus(
  options: { scrapeTargets?: string[]; scrapeInterval?: string; ruleFiles?: string[] } = {},
): Promise<PrometheusService> {
  const bin = requireBinary('prometheus', 'apt-get install -y prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'ralph-prom-'));
  const interval = options.scrapeInterval ?? '1s';
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    ...(options.ruleFiles?.length ? ['rule_files:', ...options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    'scrape_configs:',
    '  - job_name: ralph',
    '    static_configs:',
    `      - targets: [${(options.scrapeTargets ?? []).map((t) => JSON.stringify(t)).join(', ')}]`,
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config + '\n');
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  const proc = spawn(
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
      return httpOk(`${url}/-/ready`);
    },
    30_000,
    'prometheus to be ready',
  );
  return {
    url,
    port,
    stop: async () => {
      await stopProcess(proc, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresUserIds(): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) {
    throw new Error('running as root needs a `postgres` user (apt-get install -y postgresql-15 creates it)');
  }
  return { uid, gid };
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    return r.ok;
  } catch {
    return false;
  }
}

/** Polls `check` every 100 ms until it returns true, for at most `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function stopProcess(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    // 'exit', not 'close': a grandchild holding the pipes open must not hang the caller.
    proc.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    proc.kill(signal);
  });
}
