import type { V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { ActionError, errorMessage } from '@ralph-deploy/common';
import type { KubeApi } from './client.js';
import type { RolloutSettings } from './deploy.js';
import { HealthMonitor } from './health-monitor.js';
import { monitorRollout, type FailureSignal } from './monitor.js';
import { podStatusText } from './pod-health.js';
import {
  POD_TEMPLATE_HASH,
  describeReplicaSet,
  isControlledBy,
  normalize,
  revisionOf,
  selectorToString,
} from './replicasets.js';
import type { RollbackReport } from './report.js';
import { planRollback, type JsonPatchOp, type RollbackPlan } from './rollback-plan.js';
import type { Timeline } from './timeline.js';

export interface RollbackSettings extends RolloutSettings {
  /** Revision to restore; 0 = the previous one (second-highest), as `kubectl rollout undo`. */
  toRevision: number;
  /** The template recorded before the deploy, used if that revision's ReplicaSet is gone (revisionHistoryLimit). */
  fallbackTemplate?: V1PodTemplateSpec | undefined;
  /** The failure that triggered an automatic rollback. */
  reason?: FailureSignal;
}

/** How long the rollback may take when nothing was aborted: enough for a restart of the old pods. */
const ROLLBACK_BUDGET_MS = 5 * 60_000;

/**
 * Issues the rollback at once (rollout-undo semantics, see rollback-plan.ts), then waits until the
 * restored version is rolled out and healthy. After an abort (timeout, cancelled job) it runs under
 * its own signal bounded by `graceMs`, since the run's signal has already fired.
 */
export async function rollbackDeployment(s: RollbackSettings, timeline: Timeline): Promise<RollbackReport> {
  const now = s.now ?? Date.now;
  const budget = s.signal.aborted ? s.graceMs : ROLLBACK_BUDGET_MS;
  const signal = s.signal.aborted
    ? AbortSignal.timeout(s.graceMs)
    : AbortSignal.any([AbortSignal.timeout(budget), graceAfter(s.signal, s.graceMs)]);
  const api = s.api.withSignal(signal);
  const cause = `ralph-deploy: rollback${s.reason ? ` after ${s.reason.kind}` : ''} ${s.actor}`.trim();

  const deployment = await api.readDeployment(s.namespace, s.deployment);
  const replicaSets = await api.listReplicaSets(s.namespace, selectorToString(deployment.spec?.selector));
  let plan:
    | RollbackPlan
    | {
        action: 'template';
        fromRevision: number;
        toRevision: number;
        patch: JsonPatchOp[];
        message: string;
        target?: undefined;
      };
  try {
    plan = planRollback(deployment, replicaSets, s.toRevision, cause);
  } catch (e: unknown) {
    if (!s.fallbackTemplate || s.toRevision <= 0 || !/has no revision/.test(errorMessage(e))) throw e;
    s.log.warning(
      `The ReplicaSet of revision ${s.toRevision} is gone (revisionHistoryLimit?); restoring the template recorded before the deploy`,
    );
    const template = normalize(s.fallbackTemplate) as V1PodTemplateSpec;
    delete template.metadata?.labels?.[POD_TEMPLATE_HASH];
    plan = {
      action: 'template',
      fromRevision: revisionOf(deployment),
      toRevision: s.toRevision,
      patch: [
        { op: 'replace', path: '/spec/template', value: template },
        {
          op: 'add',
          path: `/metadata/annotations`,
          value: { ...(deployment.metadata?.annotations ?? {}), 'kubernetes.io/change-cause': cause },
        },
      ],
      message: `restoring the template of revision ${s.toRevision}`,
    };
  }
  if (plan.action === 'skip') {
    timeline.add(`rollback: ${plan.message}`);
    return {
      fromRevision: plan.fromRevision,
      toRevision: plan.toRevision,
      action: 'skip',
      ok: true,
      message: plan.message,
      pods: [],
    };
  }

  await api.patchDeployment(s.namespace, s.deployment, plan.patch, 'json', { dryRun: s.dryRun });
  const issuedAt = now();
  timeline.add(`rollback issued${s.dryRun ? ' (dry run)' : ''}: ${plan.message}`, issuedAt);
  const report: RollbackReport = {
    fromRevision: plan.fromRevision,
    toRevision: plan.toRevision,
    action: plan.action,
    ok: false,
    message: plan.message,
    issuedAt: new Date(issuedAt).toISOString(),
    pods: [],
  };
  if (s.dryRun) return { ...report, ok: true, message: `dry run: would be ${plan.message}` };

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
      api,
      namespace: s.namespace,
      name: s.deployment,
      log: s.log,
      timeline,
      label: 'rollback',
      maxRestarts: s.maxRestarts,
      readyTimeoutMs: s.readyTimeoutMs,
      timeoutMs: Math.max(1000, budget - 1000),
      verifyMs: s.signal.aborted ? 0 : Math.min(s.verifyMs, 10_000),
      signal,
      ...(health ? { health } : {}),
      ...(s.pollIntervalMs ? { pollIntervalMs: s.pollIntervalMs } : {}),
      ...(s.now ? { now: s.now } : {}),
    });
    report.pods = outcome.snapshot?.podViews ?? [];
    if (outcome.ok) {
      const revision = revisionOf(outcome.snapshot.deployment);
      timeline.add(`rollback complete: revision ${plan.toRevision} is live again (now revision ${revision})`);
      return { ...report, ok: true, message: `${plan.message}: complete and healthy` };
    }
    report.failure = outcome.failure;
    const states = await replicaSetStates(api, s.namespace, s.deployment, plan.target, plan.fromRevision);
    const message = `the rollback did not complete (${outcome.failure.kind}: ${outcome.failure.message}). ${states}`;
    timeline.add(`ROLLBACK FAILED: ${message}`);
    s.log.warning(`ROLLBACK FAILED for ${s.namespace}/${s.deployment}: ${message}`);
    return { ...report, message };
  } finally {
    await health?.stop();
  }
}

/** Both ReplicaSets (the failed one and the one being restored) with their pods' states, for a failed rollback. */
async function replicaSetStates(
  api: KubeApi,
  namespace: string,
  name: string,
  target: V1ReplicaSet | undefined,
  failedRevision: number,
): Promise<string> {
  try {
    const d = await api.readDeployment(namespace, name);
    const sets = (await api.listReplicaSets(namespace, selectorToString(d.spec?.selector))).filter((rs) =>
      isControlledBy(rs, d.metadata?.uid),
    );
    const failed = sets.find((rs) => revisionOf(rs) === failedRevision);
    const restored = target ? sets.find((rs) => rs.metadata?.uid === target.metadata?.uid) : undefined;
    const parts: string[] = [];
    for (const [label, rs] of [
      ['failed', failed],
      ['restored', restored],
    ] as const) {
      if (!rs) continue;
      const pods = (await api.listPods(namespace, selectorToString(d.spec?.selector))).filter((p) =>
        isControlledBy(p, rs.metadata?.uid),
      );
      const podText = pods.map((p) => `${p.metadata?.name}: ${podStatusText(p)}`).join(', ');
      parts.push(`${label} ReplicaSet ${describeReplicaSet(rs)}${podText ? ` [${podText}]` : ''}`);
    }
    return parts.join('; ');
  } catch (e: unknown) {
    return `(ReplicaSet state unavailable: ${errorMessage(e)})`;
  }
}

/** A signal that fires `ms` after `signal` does: the rollback keeps running for a bounded grace period. */
function graceAfter(signal: AbortSignal, ms: number): AbortSignal {
  const controller = new AbortController();
  const onAbort = () =>
    setTimeout(
      () => controller.abort(new ActionError(`rollback grace period of ${Math.round(ms / 1000)}s ended`)),
      ms,
    ).unref();
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return controller.signal;
}
