import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as yaml from 'js-yaml';
import { evaluateCondition, interpolate, type StatusFunctions } from './expressions.js';
import { parseKeyValueFile, repoRoot as defaultRepoRoot, runBundle, type RunResult } from './run-bundle.js';

export type Result = 'success' | 'failure' | 'skipped' | 'cancelled';

/** What a stand-in for a third-party action (actions/checkout, configure-aws-credentials ...) returns. */
export interface StandInResult {
  outputs?: Record<string, string>;
  conclusion?: 'success' | 'failure';
}
export type StandIn = (step: {
  with: Record<string, unknown>;
  env: Record<string, string>;
}) => StandInResult | Promise<StandInResult>;

export interface SimOptions {
  /** Where `$/actions/<name>` and `./actions/<name>` resolve (dist/<name>/index.js). Default: this repository. */
  repoRoot?: string;
  /** GITHUB_WORKSPACE for every step (the caller's checkout). */
  workspace: string;
  event: { name: string; inputs?: Record<string, unknown>; schedule?: string };
  /** workflow_call inputs (workflow_dispatch inputs come from `event.inputs`). */
  inputs?: Record<string, unknown>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Extra environment for every step's process (e.g. KUBECONFIG, AWS_ENDPOINT_URL). */
  env?: Record<string, string>;
  /** Stand-ins for `uses:` steps that are not the suite's own actions, keyed by the `uses` value without @ref. */
  standIns?: Record<string, StandIn>;
  /** Reusable workflow references (`owner/repo/.github/workflows/x.yml@ref`) -> local files. */
  workflows?: Record<string, string>;
  /** Progress events, e.g. for the rehearsal's live output. */
  onEvent?: (e: { type: 'job' | 'step'; job: string; name: string; result?: Result; detail?: string }) => void;
  onOutput?: (chunk: string) => void;
  /** `github.token` (default empty: steps that need the GitHub API are skipped or use a stand-in URL). */
  githubToken?: string;
}

export interface StepRun {
  id?: string;
  name: string;
  uses?: string;
  result: Result;
  outputs: Record<string, string>;
  summary: string;
  errors: string[];
  log: string;
  action?: RunResult;
  exportedEnv?: Record<string, string>;
}

export interface JobRun {
  id: string;
  result: Result;
  outputs: Record<string, string>;
  steps: StepRun[];
  /** For a job that calls a reusable workflow. */
  workflow?: WorkflowRun;
  environment?: string;
}

export interface WorkflowRun {
  file: string;
  conclusion: 'success' | 'failure';
  jobs: Record<string, JobRun>;
  /** Job ids in the order they ran (or were skipped). */
  order: string[];
  outputs: Record<string, unknown>;
}

/** `on: push` and `on: [push, pull_request]` are shorthands for a mapping of events. */
function normaliseOn(on: unknown): NonNullable<WorkflowDoc['on']> {
  if (typeof on === 'string') return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e) => [String(e), null]));
  return (on ?? {}) as NonNullable<WorkflowDoc['on']>;
}

interface WorkflowDoc {
  on?: Record<
    string,
    {
      inputs?: Record<string, { default?: unknown; type?: string }>;
      outputs?: Record<string, { value: string }>;
    } | null
  >;
  env?: Record<string, string>;
  jobs: Record<string, JobDoc>;
}
interface JobDoc {
  needs?: string | string[];
  if?: string | boolean;
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: 'inherit' | Record<string, string>;
  env?: Record<string, string>;
  environment?: string | { name: string; url?: string };
  outputs?: Record<string, string>;
  steps?: StepDoc[];
  'continue-on-error'?: boolean;
}
interface StepDoc {
  id?: string;
  name?: string;
  if?: string | boolean;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  shell?: string;
  'continue-on-error'?: boolean;
}

/**
 * Runs a workflow file locally with GitHub's semantics for `needs`, `if:` (status functions
 * included), expressions, job and step outputs and reusable workflows. The suite's own actions run
 * from their bundles as the runner would run them; `run:` steps run in bash; any other `uses:` must
 * have a declared stand-in, so nothing is silently skipped.
 */
export async function runWorkflow(file: string, options: SimOptions): Promise<WorkflowRun> {
  const doc = yaml.load(readFileSync(file, 'utf8')) as WorkflowDoc;
  doc.on = normaliseOn(doc.on);
  const trigger = doc.on[options.event.name];
  if (!(options.event.name in doc.on)) throw new Error(`${file} is not triggered by ${options.event.name}`);
  const inputs = withDefaults(
    trigger?.inputs,
    options.event.name === 'workflow_dispatch' ? options.event.inputs : options.inputs,
  );
  const github = githubContext(options, inputs);
  const base = { github, inputs, secrets: options.secrets ?? {}, vars: options.vars ?? {} };
  const workflowEnv = stringMap(interpolate(doc.env ?? {}, { ...base, env: {} }));

  const jobs: Record<string, JobRun> = {};
  const order: string[] = [];
  const pending = new Set(Object.keys(doc.jobs));
  // Jobs run in dependency order; each pass runs every job whose needs are done (bounded by the job count).
  for (let pass = 0; pending.size > 0 && pass <= Object.keys(doc.jobs).length; pass++) {
    for (const id of [...pending]) {
      const job = doc.jobs[id] as JobDoc;
      const needs = toList(job.needs);
      if (!needs.every((n) => jobs[n])) continue;
      pending.delete(id);
      order.push(id);
      const needsCtx = Object.fromEntries(
        needs.map((n) => [n, { result: jobs[n]?.result, outputs: jobs[n]?.outputs ?? {} }]),
      );
      const status: StatusFunctions = {
        success: () => needs.every((n) => jobs[n]?.result === 'success'),
        failure: () => needs.some((n) => jobs[n]?.result === 'failure'),
        cancelled: () => false,
      };
      const ctx = { ...base, needs: needsCtx, env: workflowEnv };
      const run = evaluateCondition(conditionText(job.if), ctx, status)
        ? await runJob(id, job, ctx, workflowEnv, options)
        : { id, result: 'skipped' as const, outputs: {}, steps: [] };
      jobs[id] = run;
      options.onEvent?.({ type: 'job', job: id, name: id, result: run.result });
    }
  }
  if (pending.size > 0)
    throw new Error(
      `${file}: jobs ${[...pending].join(', ')} have needs that never finish (a cycle or an unknown job)`,
    );
  const failed = Object.values(jobs).some((j) => j.result === 'failure');
  const outputs = Object.fromEntries(
    Object.entries(doc.on?.workflow_call?.outputs ?? {}).map(([k, v]) => [
      k,
      interpolate(v.value, {
        ...base,
        jobs: Object.fromEntries(Object.entries(jobs).map(([j, r]) => [j, { result: r.result, outputs: r.outputs }])),
      }),
    ]),
  );
  return { file, conclusion: failed ? 'failure' : 'success', jobs, order, outputs };
}

async function runJob(
  id: string,
  job: JobDoc,
  ctx: Record<string, unknown>,
  workflowEnv: Record<string, string>,
  options: SimOptions,
): Promise<JobRun> {
  options.onEvent?.({ type: 'job', job: id, name: id });
  if (job.uses) return runReusable(id, job, ctx, options);
  const env = { ...workflowEnv, ...stringMap(interpolate(job.env ?? {}, ctx)) };
  const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name;
  const steps: StepRun[] = [];
  const stepsCtx: Record<string, { outputs: Record<string, string>; outcome: Result; conclusion: Result }> = {};
  let jobFailed = false;
  for (const [i, step] of (job.steps ?? []).entries()) {
    const sctx = { ...ctx, env, steps: stepsCtx, job: { status: jobFailed ? 'failure' : 'success' } };
    const status: StatusFunctions = { success: () => !jobFailed, failure: () => jobFailed, cancelled: () => false };
    const name = step.name ?? step.id ?? step.uses ?? `step ${i + 1}`;
    let run: StepRun;
    if (!evaluateCondition(conditionText(step.if), sctx, status)) {
      run = { id: step.id, name, uses: step.uses, result: 'skipped', outputs: {}, summary: '', errors: [], log: '' };
    } else {
      options.onEvent?.({ type: 'step', job: id, name });
      const stepEnv = { ...env, ...stringMap(interpolate(step.env ?? {}, sctx)) };
      run = await runStep(step, name, sctx, stepEnv, options);
      options.onEvent?.({ type: 'step', job: id, name, result: run.result, detail: run.errors.at(-1) });
    }
    steps.push(run);
    // Variables a step appended to GITHUB_ENV reach the job's later steps, as on the runner.
    Object.assign(env, run.exportedEnv ?? {});
    const outcome = run.result;
    const conclusion = outcome === 'failure' && step['continue-on-error'] ? 'success' : outcome;
    if (step.id) stepsCtx[step.id] = { outputs: run.outputs, outcome, conclusion };
    if (conclusion === 'failure') jobFailed = true;
  }
  const outputs = stringMap(interpolate(job.outputs ?? {}, { ...ctx, env, steps: stepsCtx }));
  const result: Result = jobFailed && !job['continue-on-error'] ? 'failure' : 'success';
  return { id, result, outputs, steps, ...(environment ? { environment: String(interpolate(environment, ctx)) } : {}) };
}

async function runReusable(
  id: string,
  job: JobDoc,
  ctx: Record<string, unknown>,
  options: SimOptions,
): Promise<JobRun> {
  const ref = job.uses as string;
  const root = options.repoRoot ?? defaultRepoRoot;
  const local =
    options.workflows?.[ref] ??
    (ref.startsWith('$/') ? join(root, ref.slice(2)) : ref.startsWith('./') ? join(options.workspace, ref) : undefined);
  if (!local || !existsSync(local)) throw new Error(`job ${id}: no local file for reusable workflow ${ref}`);
  const parentSecrets = (ctx.secrets ?? {}) as Record<string, string>;
  const secrets = job.secrets === 'inherit' ? parentSecrets : stringMap(interpolate(job.secrets ?? {}, ctx));
  const nested = await runWorkflow(local, {
    ...options,
    event: { name: 'workflow_call' },
    inputs: interpolate(job.with ?? {}, ctx) as Record<string, unknown>,
    secrets,
  });
  const outputs = stringMap(nested.outputs);
  return { id, result: nested.conclusion, outputs, steps: [], workflow: nested };
}

async function runStep(
  step: StepDoc,
  name: string,
  ctx: Record<string, unknown>,
  env: Record<string, string>,
  options: SimOptions,
): Promise<StepRun> {
  const base = { id: step.id, name, uses: step.uses };
  if (step.run !== undefined) return { ...base, ...(await runShell(String(interpolate(step.run, ctx)), env, options)) };
  const uses = step.uses as string;
  const withValues = stringMap(interpolate(step.with ?? {}, ctx));
  const own = /^(?:\$\/|\.\/)actions\/([a-z0-9-]+)$/.exec(uses);
  if (own) {
    const actionName = own[1] as string;
    const bundle = join(options.repoRoot ?? defaultRepoRoot, 'dist', actionName, 'index.js');
    const r = await runBundle(bundle, actionName, {
      inputs: withValues,
      env: { ...(options.env ?? {}), ...env },
      cwd: options.workspace,
      github: githubEnv(ctx.github as Record<string, unknown>),
      timeoutMs: 15 * 60_000,
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    });
    return {
      ...base,
      result: r.exitCode === 0 ? 'success' : 'failure',
      outputs: r.outputs,
      summary: r.summary,
      errors: r.errors,
      log: r.log,
      action: r,
      exportedEnv: r.exportedEnv,
    };
  }
  const key = uses.replace(/@.*$/, '');
  const standIn = options.standIns?.[key];
  if (!standIn) throw new Error(`step "${name}": no stand-in declared for ${uses}`);
  const r = await standIn({ with: withValues, env });
  return {
    ...base,
    result: r.conclusion === 'failure' ? 'failure' : 'success',
    outputs: r.outputs ?? {},
    summary: '',
    errors: [],
    log: '',
  };
}

async function runShell(
  script: string,
  env: Record<string, string>,
  options: SimOptions,
): Promise<Omit<StepRun, 'name'>> {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-sim-run-'));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_ENV: join(dir, 'env'),
    RUNNER_TEMP: dir,
  };
  for (const f of [files.GITHUB_OUTPUT, files.GITHUB_STEP_SUMMARY, files.GITHUB_ENV]) writeFileSync(f, '');
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: options.workspace,
    env: { ...process.env, ...(options.env ?? {}), ...env, ...files },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => {
    log += d.toString();
    options.onOutput?.(d.toString());
  });
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    result: code === 0 ? 'success' : 'failure',
    outputs: parseKeyValueFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    errors: code === 0 ? [] : [`run step exited with code ${code}`],
    log,
    exportedEnv: parseKeyValueFile(readFileSync(files.GITHUB_ENV, 'utf8')),
  };
}

function withDefaults(
  defs: Record<string, { default?: unknown; type?: string }> | undefined,
  given: Record<string, unknown> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(defs ?? {})) {
    let v = given[k] ?? d.default;
    if (d.type === 'boolean' && typeof v === 'string') v = v === 'true';
    if (d.type === 'number' && typeof v === 'string') v = Number(v);
    out[k] = v ?? (d.type === 'boolean' ? false : '');
  }
  for (const [k, v] of Object.entries(given)) if (!(k in out)) out[k] = v;
  return out;
}

function githubContext(options: SimOptions, inputs: Record<string, unknown>): Record<string, unknown> {
  return {
    event_name: options.event.name,
    event: { inputs, ...(options.event.schedule ? { schedule: options.event.schedule } : {}) },
    repository: 'ralph/service',
    repository_owner: 'ralph',
    actor: 'octo-deployer',
    sha: '0123456789abcdef0123456789abcdef01234567',
    ref: 'refs/heads/main',
    ref_name: 'main',
    run_id: '4242',
    run_attempt: '1',
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    workflow: 'deploy',
    // No token: a simulated run must never call the real GitHub API.
    token: options.githubToken ?? '',
    workspace: options.workspace,
  };
}

function githubEnv(g: Record<string, unknown>): Record<string, string> {
  return {
    GITHUB_EVENT_NAME: String(g.event_name),
    GITHUB_REPOSITORY: String(g.repository),
    GITHUB_ACTOR: String(g.actor),
    GITHUB_SHA: String(g.sha),
    GITHUB_REF: String(g.ref),
    GITHUB_RUN_ID: String(g.run_id),
  };
}

function conditionText(c: string | boolean | undefined): string | undefined {
  return typeof c === 'boolean' ? String(c) : c;
}

function toList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function stringMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {};
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== null)
      .map(([k, x]) => [k, typeof x === 'object' ? JSON.stringify(x) : String(x)]),
  );
}

export function resolvePath(root: string, p: string): string {
  return isAbsolute(p) ? p : join(root, p);
}
