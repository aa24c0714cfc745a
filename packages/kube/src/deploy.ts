import type { V1Deployment } from '@kubernetes/client-node';
import { ActionError, errorMessage, type Logger } from '@ralph-deploy/common';
import { applyManifests, type AppliedObject } from './apply.js';
import type { KubeApi } from './client.js';
import { DeploymentNotFoundError } from './errors.js';
import { HealthMonitor } from './health-monitor.js';
import { applyImageMap, imagePatch, setManifestImage, type ImageChange } from './images.js';
import { loadManifests, type Manifest } from './manifests.js';
import { monitorRollout, readSnapshot, type FailureSignal, type MonitorOutcome } from './monitor.js';
import { CHANGE_CAUSE_ANNOTATION, describeReplicaSet, ownedReplicaSets, revisionOf } from './replicasets.js';
import { rollbackDeployment, type RollbackSettings } from './rollback.js';
import type { RolloutReport } from './report.js';
import { Timeline } from './timeline.js';

export interface RolloutSettings {
  api: KubeApi;
  log: Logger;
  namespace: string;
  deployment: string;
  /** Aborts on the action's timeout or cancellation; a rollback then runs under its own bounded signal. */
  signal: AbortSignal;
  /** Overall bound for the rollout; part of it is kept back for a rollback. */
  timeoutMs: number;
  readyTimeoutMs: number;
  maxRestarts: number;
  verifyMs: number;
  healthUrl?: string;
  autoRollback: boolean;
  dryRun: boolean;
  /** After an abort, how long the rollback (issue + wait) may take. */
  graceMs: number;
  /** "by @octocat, commit abc1234, run https://..." */
  actor: string;
  healthIntervalMs?: number;
  pollIntervalMs?: number;
  now?: () => number;
}

export interface DeploySettings extends RolloutSettings {
  container?: string;
  image?: string;
  images?: Record<string, string>;
  manifests: string[];
  /** Folder relative manifest paths are read from (the workspace). */
  cwd: string;
}

interface DeployState {
  timeline: Timeline;
  before?: V1Deployment;
  previousRevision?: number;
  manifests: Manifest[];
  imageChanges: ImageChange[];
  targetInManifests: boolean;
  applied: AppliedObject[];
  after?: V1Deployment;
  changed: boolean;
  outcome?: MonitorOutcome;
  report?: RolloutReport;
}

/** How much of `timeout` is kept back so a rollback after a failed rollout can still finish. */
export function rollbackReserveMs(timeoutMs: number): number {
  return Math.min(120_000, Math.floor(timeoutMs / 4));
}

/**
 * deploy: an ordered list of steps, each re-runnable and each writing only its part of the state:
 * inspect (refuse paused, record the live revision) -> plan (manifests, image substitution; pure) ->
 * apply (server-side apply and/or image patch, change-cause) -> watch (rollout status + pod failures +
 * health) -> roll back to the recorded revision when it failed.
 */
export async function runDeploy(s: DeploySettings): Promise<RolloutReport> {
  const now = s.now ?? Date.now;
  const state: DeployState = {
    timeline: new Timeline(s.log, now),
    manifests: [],
    imageChanges: [],
    targetInManifests: false,
    applied: [],
    changed: false,
  };
  const steps: [string, (st: DeployState) => Promise<void>][] = [
    ['plan', (st) => planChanges(s, st)],
    ['inspect', (st) => inspect(s, st)],
    ['apply', (st) => applyChanges(s, st)],
    ['watch', (st) => watchRollout(s, st)],
    ['rollback', (st) => rollbackIfFailed(s, st)],
  ];
  for (const [name, step] of steps) {
    if (state.report) break;
    await s.log.group(`${name}: ${s.namespace}/${s.deployment}`, () => step(state));
  }
  return state.report ?? finalReport(s, state);
}

/** Reads manifests and works out every image change, before anything is contacted. */
async function planChanges(s: DeploySettings, st: DeployState): Promise<void> {
  if (s.manifests.length === 0 && !s.image)
    throw new ActionError("Nothing to deploy: set 'image' (with 'container' when the pod has several) or 'manifests'");
  if (s.images && Object.keys(s.images).length > 0 && s.manifests.length === 0)
    throw new ActionError("'images' needs 'manifests': it rewrites images inside them");
  st.manifests = s.manifests.length > 0 ? loadManifests(s.manifests, s.cwd) : [];
  const target = st.manifests.find(
    (m) =>
      m.object.kind === 'Deployment' &&
      m.object.metadata?.name === s.deployment &&
      (m.object.metadata?.namespace ?? s.namespace) === s.namespace,
  );
  st.targetInManifests = target !== undefined;
  if (s.images && Object.keys(s.images).length > 0) st.imageChanges.push(...applyImageMap(st.manifests, s.images));
  if (target && s.image) st.imageChanges.push(setManifestImage(target, s.container, s.image));
  if (target) {
    const meta = target.object.metadata as { annotations?: Record<string, string> };
    meta.annotations = { ...(meta.annotations ?? {}), [CHANGE_CAUSE_ANNOTATION]: changeCause(s, st.imageChanges) };
  }
}

/** Refuses a paused Deployment and records the revision that is live before we change anything. */
async function inspect(s: RolloutSettings, st: DeployState): Promise<void> {
  try {
    st.before = await s.api.readDeployment(s.namespace, s.deployment);
  } catch (e: unknown) {
    if (e instanceof DeploymentNotFoundError && st.targetInManifests) {
      st.timeline.add(
        `deployment ${s.namespace}/${s.deployment} does not exist yet: first deploy (nothing to roll back to)`,
      );
      return;
    }
    throw e;
  }
  if (st.before.spec?.paused) {
    throw new ActionError(
      `Deployment ${s.namespace}/${s.deployment} is paused (spec.paused: true); nothing was changed. Resume it (kubectl rollout resume) or deploy after the pause ends`,
    );
  }
  st.previousRevision = revisionOf(st.before) || undefined;
  st.timeline.add(`live: revision ${st.previousRevision ?? '?'} (${images(st.before)})`);
}

async function applyChanges(s: DeploySettings, st: DeployState): Promise<void> {
  const generationBefore = st.before?.metadata?.generation ?? 0;
  if (st.manifests.length > 0) {
    st.applied = await applyManifests(s.api, st.manifests, {
      defaultNamespace: s.namespace,
      dryRun: s.dryRun,
      log: s.log,
    });
    if (!s.dryRun) st.timeline.add(`applied ${st.applied.length} object(s) with server-side apply`);
  }
  if (s.image && !st.targetInManifests) {
    const current = st.before ?? (await s.api.readDeployment(s.namespace, s.deployment));
    const plan = imagePatch(current, s.container, s.image, undefined);
    if (plan.changed) {
      const cause = changeCause(s, [
        { object: `Deployment/${s.deployment}`, container: plan.container, from: plan.from, to: plan.to },
      ]);
      const { patch } = imagePatch(current, plan.container, s.image, cause);
      const patched = await s.api.patchDeployment(s.namespace, s.deployment, patch, 'strategic', { dryRun: s.dryRun });
      st.imageChanges.push({
        object: `Deployment/${s.deployment}`,
        container: plan.container,
        from: plan.from,
        to: plan.to,
      });
      st.after = patched;
      if (!s.dryRun) st.timeline.add(`set image of container ${plan.container}: ${plan.from} -> ${plan.to}`);
    } else {
      st.timeline.add(`container ${plan.container} already runs ${s.image}`);
    }
  }
  if (s.dryRun) {
    st.report = {
      ...baseReport(s, st, 'deploy'),
      result: 'succeeded',
      message: `dry run: ${describeChanges(st)}; the server accepted it and nothing was changed`,
    };
    return;
  }
  st.after = await s.api.readDeployment(s.namespace, s.deployment);
  st.changed = (st.after.metadata?.generation ?? 0) > generationBefore;
  st.timeline.add(
    st.changed
      ? `Deployment spec changed (generation ${generationBefore} -> ${st.after.metadata?.generation})`
      : 'Deployment spec unchanged: nothing new to roll out',
  );
}

async function watchRollout(s: DeploySettings, st: DeployState): Promise<void> {
  const health = s.healthUrl
    ? new HealthMonitor({
        url: s.healthUrl,
        log: s.log,
        ...(s.healthIntervalMs ? { intervalMs: s.healthIntervalMs } : {}),
      })
    : undefined;
  health?.start();
  try {
    st.outcome = await monitorRollout({
      api: s.api,
      namespace: s.namespace,
      name: s.deployment,
      log: s.log,
      timeline: st.timeline,
      maxRestarts: s.maxRestarts,
      readyTimeoutMs: s.readyTimeoutMs,
      timeoutMs: Math.max(1000, s.timeoutMs - rollbackReserveMs(s.timeoutMs)),
      verifyMs: s.verifyMs,
      signal: s.signal,
      ...(health ? { health } : {}),
      ...(s.pollIntervalMs ? { pollIntervalMs: s.pollIntervalMs } : {}),
      ...(s.now ? { now: s.now } : {}),
    });
  } finally {
    await health?.stop();
  }
  if (!st.outcome.ok)
    st.timeline.add(
      `FAILED (${st.outcome.failure.kind}): ${st.outcome.failure.message}`,
      st.outcome.failure.detectedAt,
    );
}

async function rollbackIfFailed(s: DeploySettings, st: DeployState): Promise<void> {
  const outcome = st.outcome;
  if (!outcome || outcome.ok) return;
  const failure = outcome.failure;
  const base = baseReport(s, st, 'deploy');
  if (!s.autoRollback) {
    st.report = {
      ...base,
      result: 'failed',
      message: `${failure.message} (auto-rollback is off: the new version stays)`,
      failure,
    };
    return;
  }
  if (!st.changed || st.previousRevision === undefined || !st.before) {
    const why = !st.before ? 'this was the first deploy' : 'this deploy changed nothing';
    st.report = { ...base, result: 'failed', message: `${failure.message} (not rolled back: ${why})`, failure };
    return;
  }
  const settings: RollbackSettings = {
    ...s,
    toRevision: st.previousRevision,
    fallbackTemplate: st.before.spec?.template,
    reason: failure,
  };
  const rollback = await rollbackDeployment(settings, st.timeline);
  const detectionSeconds = rollback.issuedAt
    ? Math.max(0, (Date.parse(rollback.issuedAt) - failure.signalAt) / 1000)
    : undefined;
  if (detectionSeconds !== undefined)
    st.timeline.add(`detection: ${detectionSeconds.toFixed(1)}s from the first failure signal to the rollback`);
  const snapshot = await finalSnapshot(s, st);
  st.report = {
    ...base,
    ...snapshot,
    result: rollback.ok ? 'rolled-back' : 'failed',
    rolledBack: rollback.action !== 'skip',
    message: rollback.ok
      ? `Rolled back to revision ${rollback.toRevision} after ${failure.kind}: ${failure.message}`
      : `ROLLBACK FAILED after ${failure.kind} (${failure.message}): ${rollback.message}`,
    failure,
    rollback,
    ...(detectionSeconds !== undefined ? { detectionSeconds: Math.round(detectionSeconds * 10) / 10 } : {}),
    pods: outcome.snapshot?.podViews ?? [],
  };
}

async function finalReport(s: DeploySettings, st: DeployState): Promise<RolloutReport> {
  const outcome = st.outcome;
  const snapshot = await finalSnapshot(s, st);
  return {
    ...baseReport(s, st, 'deploy'),
    ...snapshot,
    result: outcome?.ok ? 'succeeded' : 'failed',
    message: outcome?.ok
      ? `Deployed ${s.namespace}/${s.deployment} revision ${snapshot.revision ?? '?'}: ${describeChanges(st)}`
      : 'rollout did not finish',
    pods: outcome?.snapshot?.podViews ?? [],
  };
}

/** The revision and ReplicaSets at the end, best effort (the report must not fail for it). */
export async function finalSnapshot(
  s: { api: KubeApi; namespace: string; deployment: string; log: Logger; graceMs: number; signal: AbortSignal },
  _st?: unknown,
) {
  const api = s.signal.aborted ? s.api.withSignal(AbortSignal.timeout(Math.min(5000, s.graceMs))) : s.api;
  try {
    const d = await api.readDeployment(s.namespace, s.deployment);
    const snap = await readSnapshot(api, s.namespace, d);
    return {
      revision: revisionOf(d) || undefined,
      // Newest revisions first: the live one, the failed one, the one restored.
      replicaSets: ownedReplicaSets(d, snap.replicaSets)
        .sort((a, b) => revisionOf(b) - revisionOf(a))
        .slice(0, 5)
        .map(describeReplicaSet),
    };
  } catch (e: unknown) {
    s.log.debug(`final state not read: ${errorMessage(e)}`);
    return { replicaSets: [] as string[] };
  }
}

function baseReport(s: DeploySettings, st: DeployState, mode: RolloutReport['mode']): RolloutReport {
  return {
    mode,
    result: 'failed',
    message: '',
    namespace: s.namespace,
    deployment: s.deployment,
    dryRun: s.dryRun,
    ...(st.previousRevision !== undefined ? { previousRevision: st.previousRevision } : {}),
    ...(st.after && revisionOf(st.after) ? { revision: revisionOf(st.after) } : {}),
    rolledBack: false,
    changed: st.changed,
    imageChanges: st.imageChanges,
    applied: st.applied,
    pods: [],
    replicaSets: [],
    timeline: st.timeline.entries,
  };
}

/** kubernetes.io/change-cause: what, who, which commit, which run (replaces the deprecated --record). */
export function changeCause(s: { actor: string }, changes: ImageChange[]): string {
  const what = changes.length > 0 ? changes.map((c) => `${c.container}=${c.to}`).join(', ') : 'manifests applied';
  return `ralph-deploy: ${what} ${s.actor}`.trim();
}

function describeChanges(st: DeployState): string {
  const parts: string[] = [];
  if (st.applied.length > 0) parts.push(`${st.applied.length} object(s) applied`);
  for (const c of st.imageChanges) parts.push(`${c.container}: ${c.from} -> ${c.to}`);
  return parts.join('; ') || 'no changes';
}

function images(d: V1Deployment): string {
  return (d.spec?.template?.spec?.containers ?? []).map((c) => `${c.name}=${c.image}`).join(', ');
}

export type { FailureSignal };
