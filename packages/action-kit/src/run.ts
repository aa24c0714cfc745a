import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as core from '@actions/core';
import {
  AbortedError,
  ActionError,
  errorMessage,
  formatDuration,
  type Annotation,
  type Logger,
  type SourceLocation,
} from '@ralph-deploy/common';
import {
  DEFAULT_SPEC_PATH,
  commonInputs,
  loadSpec,
  selectSection,
  type InputDecls,
  type InputValues,
  type PathKey,
  type SpecSection,
} from '@ralph-deploy/config';
import { runContext, type RunContext } from './context.js';
import { exec, type ExecOptions, type ExecResult } from './exec.js';
import { readInputs } from './inputs.js';
import { actionLogger } from './logger.js';
import { containsSecret, redact } from './masking.js';
import { Summary } from './summary.js';

export type OutputValue = string | number | boolean;

export interface ActionContext<D extends InputDecls> {
  name: string;
  inputs: InputValues<D & typeof commonInputs>;
  log: Logger;
  dryRun: boolean;
  /** Aborts when the action's `timeout` expires or the runner cancels the job. Its reason is an AbortedError. */
  signal: AbortSignal;
  summary: Summary;
  github: RunContext;
  /** The environment's merged spec section for this action, if a spec was found. */
  section: Record<string, unknown> | undefined;
  /** The environment chosen with the `environment` input ('' when none). */
  environment: string;
  specFile: string | undefined;
  specLocation(path: readonly PathKey[]): SourceLocation | undefined;
  setOutput(name: string, value: OutputValue): void;
  writeReport(data: unknown): Promise<string>;
  annotate(annotation: Annotation): void;
  exec(command: string, args?: string[], options?: ExecOptions): Promise<ExecResult>;
}

export interface ActionDefinition<D extends InputDecls> {
  /** The action's name, which is also its spec section. */
  name: string;
  inputs: D;
  main: (ctx: ActionContext<D>) => Promise<void>;
  /** How long `main` may take to clean up after a timeout or cancellation. Default 20 s. */
  abortGraceMs?: number;
  /**
   * End the process when done (default true), so a leaked socket or timer can never keep a
   * finished action alive; unit tests of the kit turn it off.
   */
  exitWhenDone?: boolean;
}

/**
 * The single entry point of every action: reads inputs (input > spec > default), runs `main`
 * under the `timeout` and the runner's cancellation, writes the summary (also on failure) and
 * turns every error into one `core.setFailed` line. Expected failures (ActionError) print no stack;
 * unexpected ones print their stack at debug level only.
 */
export async function runAction<D extends InputDecls>(def: ActionDefinition<D>): Promise<void> {
  const summary = new Summary();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onSignal = (sig: NodeJS.Signals) => () =>
    controller.abort(new AbortedError('cancelled', `${def.name} was cancelled (${sig})`));
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    const github = runContext();
    const configInput = core.getInput('config').trim();
    const environment = core.getInput('environment').trim();
    const specPath = configInput || DEFAULT_SPEC_PATH;
    const absSpec = isAbsolute(specPath) ? specPath : join(github.workspace, specPath);
    const spec = loadSpec(absSpec, { required: configInput !== '', displayPath: specPath });
    let section: SpecSection | undefined;
    if (spec) section = selectSection(spec, def.name, environment || undefined);
    else if (environment)
      actionLogger.debug(`no spec file at ${specPath}; environment '${environment}' only labels the run`);

    const inputs = readInputs({ ...commonInputs, ...def.inputs }, section, def.name) as InputValues<
      D & typeof commonInputs
    >;
    const dryRun = inputs['dry-run'] === true;
    const timeoutMs = inputs.timeout as number;
    timer = setTimeout(
      () => controller.abort(new AbortedError('timeout', `${def.name} timed out after ${formatDuration(timeoutMs)}`)),
      timeoutMs,
    );
    if (dryRun) summary.text('> **Dry run**: nothing was changed.');

    const ctx: ActionContext<D> = {
      name: def.name,
      inputs,
      log: actionLogger,
      dryRun,
      signal: controller.signal,
      summary,
      github,
      section: section?.values,
      environment,
      specFile: spec?.file,
      specLocation: (path) => section?.locate(path),
      setOutput,
      writeReport: (data) => writeReport(def.name, github, data),
      annotate,
      exec,
    };
    await raceAbort(def.main(ctx), controller.signal, def.abortGraceMs ?? 20_000);
  } catch (e: unknown) {
    fail(e, summary);
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await writeSummary(summary);
  }
  // stdout and stderr are synchronous for files and pipes on Linux, so nothing is lost here.
  if (def.exitWhenDone !== false) process.exit(process.exitCode ?? 0);
}

/** Once aborted, `main` gets a grace period to clean up (e.g. roll back); then the abort wins. */
async function raceAbort(work: Promise<void>, signal: AbortSignal, graceMs: number): Promise<void> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      const t = setTimeout(() => reject(signal.reason), graceMs);
      t.unref();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    await Promise.race([work, aborted]);
    // main finished normally even though the signal fired: the run still stopped early.
    if (signal.aborted) throw signal.reason;
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

export function setOutput(name: string, value: OutputValue): void {
  const text = String(value);
  if (containsSecret(text)) {
    core.warning(`Output '${name}' was not set: it would contain a secret.`);
    return;
  }
  core.setOutput(name, text);
}

export function annotate(a: Annotation): void {
  const props: core.AnnotationProperties = {
    ...(a.title ? { title: redact(a.title) } : {}),
    ...(a.file ? { file: a.file } : {}),
    ...(a.line !== undefined ? { startLine: a.line } : {}),
    ...(a.endLine !== undefined ? { endLine: a.endLine } : {}),
    ...(a.column !== undefined ? { startColumn: a.column } : {}),
  };
  const message = redact(a.message);
  if (a.level === 'error') core.error(message, props);
  else if (a.level === 'warning') core.warning(message, props);
  else core.notice(message, props);
}

async function writeReport(name: string, github: RunContext, data: unknown): Promise<string> {
  const dir = join(process.env.RUNNER_TEMP || tmpdir(), 'ralph-deploy');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${github.runId || process.pid}-${Date.now()}.json`);
  writeFileSync(file, redact(JSON.stringify(data, null, 2)) + '\n');
  setOutput('report', file);
  return file;
}

function fail(e: unknown, summary: Summary): void {
  const message = redact(errorMessage(e).split('\n')[0] ?? 'failed');
  if (e instanceof ActionError) {
    for (const a of e.annotations) {
      // The failure line below repeats the first error annotation's message; annotate the file only.
      if (a.file) annotate(a);
    }
  } else {
    core.debug(redact(e instanceof Error && e.stack ? e.stack : String(e)));
  }
  summary.text(`**Failed:** ${message}`);
  core.setFailed(message);
}

async function writeSummary(summary: Summary): Promise<void> {
  if (summary.isEmpty || !process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(redact(summary.toMarkdown())).write();
  } catch (e: unknown) {
    core.warning(`Could not write the job summary: ${errorMessage(e)}`);
  }
}
