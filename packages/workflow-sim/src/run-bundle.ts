import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository this package lives in (where dist/ is). */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  col?: number;
  endLine?: number;
  title?: string;
}

export interface RunOptions {
  /** Action inputs by their action.yml names (kebab-case). */
  inputs?: Record<string, string | number | boolean | undefined>;
  /** Extra environment variables for the action process. */
  env?: Record<string, string | undefined>;
  /** GITHUB_WORKSPACE and the process's cwd (default: a fresh empty directory). */
  cwd?: string;
  /** Kill the action (SIGKILL) after this long; the result then has timedOut = true. Default 180 s. */
  timeoutMs?: number;
  /** Send a signal: after a delay, or as soon as the output so far satisfies `when`. */
  signal?: { name: NodeJS.Signals; afterMs?: number; when?: (stdoutSoFar: string) => boolean };
  /** Run this bundle instead of dist/<name>/index.js. */
  bundle?: string;
  /** Replaces the fixed GITHUB_* context of a test run (actor, sha, run id ...). */
  github?: Record<string, string>;
  /** Called with each chunk of stdout, for live progress. */
  onOutput?: (chunk: string) => void;
  /** The Node.js executable (default: the current one). */
  node?: string;
}

export interface RunResult {
  exitCode: number | null;
  timedOut: boolean;
  outputs: Record<string, string>;
  summary: string;
  /** Lines appended to GITHUB_ENV. */
  exportedEnv: Record<string, string>;
  annotations: Annotation[];
  /** The messages of the error annotations (core.setFailed's line is the last one). */
  errors: string[];
  /** stdout + stderr without the ::add-mask:: commands: a secret found here was printed. */
  log: string;
  /** Values the action registered with ::add-mask::. */
  masked: string[];
  stdout: string;
  stderr: string;
  workspace: string;
  runnerTemp: string;
}

/** The runner's name for an input's environment variable: upper-cased, spaces to underscores, hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Runs a bundled action in a child process the way the GitHub runner does: INPUT_* variables and
 * the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_ENV / GITHUB_STATE / GITHUB_PATH files.
 */
export async function runAction(name: string, options: RunOptions = {}): Promise<RunResult> {
  return runBundle(options.bundle ?? join(repoRoot, 'dist', name, 'index.js'), name, options);
}

/** Runs any bundle file as an action step. */
export async function runBundle(bundle: string, name: string, options: RunOptions = {}): Promise<RunResult> {
  if (!existsSync(bundle)) throw new Error(`${bundle} does not exist: run \`pnpm build ${name}\` first`);
  const dir = mkdtempSync(join(tmpdir(), `ralph-run-${name}-`));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_PATH: join(dir, 'path'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const runnerTemp = join(dir, 'runner-temp');
  mkdirSync(runnerTemp);
  const workspace = options.cwd ?? join(dir, 'workspace');
  mkdirSync(workspace, { recursive: true });

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The runner starts each step with only its own inputs: never leak the test process's.
    if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('GITHUB_') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  Object.assign(env, files, {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: 'octo-deployer',
    GITHUB_REPOSITORY: 'ralph/service',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_JOB: 'test',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
  });
  Object.assign(env, options.github ?? {});
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  for (const [k, v] of Object.entries(options.inputs ?? {})) {
    if (v !== undefined) env[inputEnvName(k)] = String(v);
  }

  const child = spawn(options.node ?? process.execPath, [bundle], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  let signalled = false;
  const sendSignal = () => {
    if (!signalled && options.signal) {
      signalled = true;
      child.kill(options.signal.name);
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    options.onOutput?.(d.toString());
    if (options.signal?.when?.(stdout)) sendSignal();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const signalTimer =
    options.signal?.afterMs !== undefined ? setTimeout(sendSignal, options.signal.afterMs) : undefined;
  const killTimer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 180_000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(killTimer);
  if (signalTimer) clearTimeout(signalTimer);

  const masked: string[] = [];
  const logLines: string[] = [];
  for (const line of `${stdout}\n${stderr}`.split('\n')) {
    const m = /^::add-mask::(.*)$/.exec(line);
    if (m) masked.push(unescapeData(m[1] as string));
    else logLines.push(line);
  }
  const annotations = parseAnnotations(stdout);
  const result: RunResult = {
    exitCode,
    timedOut,
    outputs: parseKeyValueFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    exportedEnv: parseKeyValueFile(readFileSync(files.GITHUB_ENV, 'utf8')),
    annotations,
    errors: annotations.filter((a) => a.level === 'error').map((a) => a.message),
    log: logLines.join('\n'),
    masked,
    stdout,
    stderr,
    workspace,
    runnerTemp,
  };
  if (!options.cwd) rmSync(join(dir, 'workspace'), { recursive: true, force: true });
  return result;
}

/** Parses the `name<<DELIMITER ... DELIMITER` (and legacy `name=value`) format of GITHUB_OUTPUT/GITHUB_ENV. */
export function parseKeyValueFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
      out[key] = value.join('\n');
    } else if (line.includes('=')) {
      const eq = line.indexOf('=');
      out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

/** Parses `::error file=a,line=1,col=2,title=t::message` workflow commands. */
export function parseAnnotations(stdout: string): Annotation[] {
  const out: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const a: Annotation = { level: m[1] as Annotation['level'], message: unescapeData(m[3] as string) };
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      const key = pair.slice(0, eq);
      const value = unescapeProperty(pair.slice(eq + 1));
      if (key === 'file') a.file = value;
      else if (key === 'line') a.line = Number(value);
      else if (key === 'col') a.col = Number(value);
      else if (key === 'endLine') a.endLine = Number(value);
      else if (key === 'title') a.title = value;
    }
    out.push(a);
  }
  return out;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return s.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** Every captured place a secret must never appear in: outputs, summary, annotations and the log. */
export function leaksOf(result: RunResult, secret: string): string[] {
  const places: string[] = [];
  if (result.log.includes(secret)) places.push('log');
  if (result.summary.includes(secret)) places.push('summary');
  for (const [k, v] of Object.entries(result.outputs)) if (v.includes(secret)) places.push(`output ${k}`);
  for (const a of result.annotations)
    if (JSON.stringify(a).includes(secret)) places.push(`annotation "${a.message.slice(0, 40)}"`);
  for (const [k, v] of Object.entries(result.exportedEnv)) if (v.includes(secret)) places.push(`env ${k}`);
  const report = result.outputs.report;
  if (report && existsSync(report) && readFileSync(report, 'utf8').includes(secret)) places.push('report');
  return places;
}
