import type { FailureSignal } from './monitor.js';
import type { PodView } from './pod-health.js';
import type { TimelineEntry } from './timeline.js';
import type { AppliedObject } from './apply.js';
import type { ImageChange } from './images.js';

export type RolloutResult = 'succeeded' | 'rolled-back' | 'failed';

export interface RollbackReport {
  fromRevision: number;
  toRevision: number;
  /** 'skip' when the target template was already live. */
  action: 'patch' | 'skip' | 'template';
  /** Rolled back and the restored version is complete and healthy. */
  ok: boolean;
  message: string;
  issuedAt?: string;
  failure?: FailureSignal;
  pods: PodView[];
}

/** Everything the action reports: outputs, job summary and the JSON report file. */
export interface RolloutReport {
  mode: 'deploy' | 'rollback' | 'status';
  result: RolloutResult;
  /** One line for the failure message or the summary. */
  message: string;
  namespace: string;
  deployment: string;
  dryRun: boolean;
  /** Revision live at the end (after a rollback: the restored one's new number). */
  revision?: number;
  /** Revision that was live before this run. */
  previousRevision?: number;
  rolledBack: boolean;
  /** First failure signal -> rollback issued, seconds. */
  detectionSeconds?: number;
  changed: boolean;
  imageChanges: ImageChange[];
  applied: AppliedObject[];
  failure?: FailureSignal;
  rollback?: RollbackReport;
  /** Pods of the new ReplicaSet when the verdict was reached. */
  pods: PodView[];
  /** "name (revision N, image, ready)" of every ReplicaSet at the end. */
  replicaSets: string[];
  timeline: TimelineEntry[];
  /** The Deployment was being watched (true) or polled. */
  watchMode?: 'watch' | 'poll';
}
