import type { Logger } from '@ralph-deploy/common';
import type { FailoverRecord } from './record.js';

/** What a step saw when it looked, without changing anything. */
export interface Observation {
  /** The step's goal already holds: nothing to do. */
  done: boolean;
  /** One line describing the resource's current state, e.g. "read replica of ralph-db (available)". */
  state: string;
  /** Things the user must know even when nothing is done (e.g. a database that could not be fenced). */
  warnings?: string[];
}

/** The outcome of act(): what was done, in one line, plus any warnings. */
export interface ActResult {
  action: string;
  warnings?: string[];
}

/** Shared state of one run, read and written by the steps in order. */
export interface RunContext {
  log: Logger;
  signal: AbortSignal;
  dryRun: boolean;
  force: boolean;
  /** When this run started. */
  startedAt: Date;
  /** True once any step acted in this run: the notification must then be (re)sent. */
  changed: boolean;
  /** When this run first saw the primary fail a probe (the outage start if no earlier run recorded one). */
  outageObservedAt?: Date;
  /** Durable facts about this failover, kept as tags on the replica so a re-run can resume. */
  record: FailoverRecord;
  /** The timeline so far (for the notification). */
  timeline: TimelineEntry[];
  now(): Date;
}

/**
 * One re-runnable step, in the style of argo-rollouts' reconcileX(): observe() only reads, act() runs
 * only when observe() said the goal does not hold yet, and verify() must then see the goal hold.
 */
export interface FailoverStep {
  id: string;
  title: string;
  /** What act() would do, for the dry-run plan. */
  plan: string;
  observe(ctx: RunContext): Promise<Observation>;
  act(ctx: RunContext, before: Observation): Promise<ActResult>;
  /** Defaults to observe(): the goal must hold after act(). */
  verify?(ctx: RunContext): Promise<Observation>;
}

export type StepResult = 'skipped' | 'done' | 'planned' | 'failed' | 'not-run';

export interface TimelineEntry {
  step: string;
  title: string;
  result: StepResult;
  /** State observed before acting. */
  before: string;
  /** What was done (or would be done in a dry run, or why it failed). */
  action: string;
  /** State after acting (verified). */
  after?: string;
  warnings: string[];
  startedAt: string;
  durationMs: number;
}
