import { ActionError } from '@ralph-deploy/common';
import type { RolloutSettings } from './deploy.js';
import { finalSnapshot } from './deploy.js';
import { HealthMonitor } from './health-monitor.js';
import { monitorRollout } from './monitor.js';
import { revisionOf } from './replicasets.js';
import type { RolloutReport } from './report.js';
import { rollbackDeployment } from './rollback.js';
import { Timeline } from './timeline.js';

function emptyReport(s: RolloutSettings, mode: RolloutReport['mode'], timeline: Timeline): RolloutReport {
  return {
    mode,
    result: 'failed',
    message: '',
    namespace: s.namespace,
    deployment: s.deployment,
    dryRun: s.dryRun,
    rolledBack: false,
    changed: false,
    imageChanges: [],
    applied: [],
    pods: [],
    replicaSets: [],
    timeline: timeline.entries,
  };
}

/**
 * mode rollback: `kubectl rollout undo [--to-revision]`, then wait until the restored version is
 * rolled out and healthy. Succeeds (result rolled-back) when it is; "skip" when it is already live.
 */
export async function runRollback(s: RolloutSettings & { toRevision: number }): Promise<RolloutReport> {
  const timeline = new Timeline(s.log, s.now);
  const before = await s.api.readDeployment(s.namespace, s.deployment);
  if (before.spec?.paused)
    throw new ActionError(
      `Deployment ${s.namespace}/${s.deployment} is paused: resume it first (kubectl rollout resume) and try again`,
    );
  const previousRevision = revisionOf(before);
  timeline.add(`live: revision ${previousRevision}`);
  const rollback = await s.log.group(`rollback: ${s.namespace}/${s.deployment}`, () => rollbackDeployment(s, timeline));
  const snapshot = await finalSnapshot(s);
  const skipped = rollback.action === 'skip';
  return {
    ...emptyReport(s, 'rollback', timeline),
    ...snapshot,
    previousRevision,
    result: !rollback.ok ? 'failed' : skipped ? 'succeeded' : 'rolled-back',
    rolledBack: !skipped && rollback.ok,
    changed: !skipped,
    message: rollback.ok
      ? skipped
        ? `Nothing to roll back: ${rollback.message}`
        : `Rolled back ${s.namespace}/${s.deployment} from revision ${rollback.fromRevision} to revision ${rollback.toRevision}${s.dryRun ? ' (dry run)' : ''}`
      : `ROLLBACK FAILED: ${rollback.message}`,
    rollback,
    pods: rollback.pods,
  };
}

/** mode status: what `kubectl rollout status` says (waiting up to the timeout), plus the new pods' failures. */
export async function runStatus(s: RolloutSettings): Promise<RolloutReport> {
  const timeline = new Timeline(s.log, s.now);
  const health = s.healthUrl
    ? new HealthMonitor({
        url: s.healthUrl,
        log: s.log,
        ...(s.healthIntervalMs ? { intervalMs: s.healthIntervalMs } : {}),
      })
    : undefined;
  health?.start();
  try {
    const outcome = await monitorRollout({
      api: s.api,
      namespace: s.namespace,
      name: s.deployment,
      log: s.log,
      timeline,
      label: 'status',
      maxRestarts: s.maxRestarts,
      readyTimeoutMs: s.readyTimeoutMs,
      timeoutMs: s.timeoutMs,
      verifyMs: 0,
      signal: s.signal,
      ...(health ? { health } : {}),
      ...(s.pollIntervalMs ? { pollIntervalMs: s.pollIntervalMs } : {}),
      ...(s.now ? { now: s.now } : {}),
    });
    const snapshot = await finalSnapshot(s);
    return {
      ...emptyReport(s, 'status', timeline),
      ...snapshot,
      result: outcome.ok ? 'succeeded' : 'failed',
      message: outcome.ok
        ? `deployment "${s.deployment}" successfully rolled out (revision ${snapshot.revision ?? '?'})`
        : `${outcome.failure.kind}: ${outcome.failure.message}`,
      ...(outcome.ok ? {} : { failure: outcome.failure }),
      pods: outcome.snapshot?.podViews ?? [],
    };
  } finally {
    await health?.stop();
  }
}
