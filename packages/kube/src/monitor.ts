import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { AbortedError, errorMessage, type Logger } from '@ralph-deploy/common';
import type { KubeApi } from './client.js';
import { DeploymentWatcher } from './deployment-watch.js';
import type { HealthMonitor } from './health-monitor.js';
import { assessPods, type PodFailure, type PodFailureKind, type PodView } from './pod-health.js';
import {
  POD_TEMPLATE_HASH,
  describeReplicaSet,
  findNewReplicaSet,
  isControlledBy,
  revisionOf,
  selectorToString,
} from './replicasets.js';
import { rolloutStatus } from './rollout-status.js';
import type { Timeline } from './timeline.js';

export type FailureKind = PodFailureKind | 'ProgressDeadlineExceeded' | 'HealthCheck' | 'Timeout' | 'Cancelled';

/** Why a rollout is judged failed, and when the first sign of it appeared. */
export interface FailureSignal {
  kind: FailureKind;
  message: string;
  pod?: string;
  /** Epoch ms (our clock) when the failure was first signalled: the pod's own report, clamped to the watch window, or when we saw it. */
  signalAt: number;
  /** Epoch ms when this monitor decided. */
  detectedAt: number;
}

export interface Snapshot {
  deployment: V1Deployment;
  newReplicaSet?: V1ReplicaSet;
  replicaSets: V1ReplicaSet[];
  pods: V1Pod[];
  podViews: PodView[];
}

export type MonitorOutcome =
  { ok: true; snapshot: Snapshot } | { ok: false; failure: FailureSignal; snapshot?: Snapshot };

export interface MonitorOptions {
  api: KubeApi;
  namespace: string;
  name: string;
  log: Logger;
  timeline: Timeline;
  maxRestarts: number;
  readyTimeoutMs: number;
  /** Give up (failure kind Timeout) after this long. */
  timeoutMs: number;
  /** After completion, keep watching pods and health this long. 0 skips. */
  verifyMs: number;
  health?: HealthMonitor;
  /** Abort = stop watching; the outcome is a Cancelled failure carrying the abort's message. */
  signal?: AbortSignal;
  /** Between checks when nothing wakes us. Default 1 s. */
  pollIntervalMs?: number;
  now?: () => number;
  /** What this rollout is ("rollout" or "rollback"), for timeline lines. */
  label?: string;
}

/**
 * Follows one rollout to a verdict: kubectl's rollout-status semantics on the Deployment (watched),
 * plus fast failure detection on the new ReplicaSet's pods and the health URL. Nothing here
 * changes the cluster; the caller decides what a failure leads to.
 */
export async function monitorRollout(options: MonitorOptions): Promise<MonitorOutcome> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const label = options.label ?? 'rollout';
  const watcher = new DeploymentWatcher(options.api, options.namespace, options.name, { log: options.log, now });
  const firstSeen = new Map<string, number>();
  let lastMessage = '';
  let lastRs = '';
  let lastReady = -1;
  let snapshot: Snapshot | undefined;
  let completedAt: number | undefined;
  const interval = options.pollIntervalMs ?? 1000;
  const fail = (kind: FailureKind, message: string, signalAt = now(), pod?: string): MonitorOutcome => ({
    ok: false,
    failure: { kind, message, signalAt, detectedAt: now(), ...(pod ? { pod } : {}) },
    ...(snapshot ? { snapshot } : {}),
  });

  try {
    await watcher.start();
    for (let tick = 0; tick < 1_000_000; tick++) {
      if (options.signal?.aborted) return fail('Cancelled', abortMessage(options.signal));
      let deployment: V1Deployment;
      try {
        deployment = await watcher.current();
        snapshot = await readSnapshot(options.api, options.namespace, deployment);
      } catch (e: unknown) {
        if (options.signal?.aborted) return fail('Cancelled', abortMessage(options.signal));
        throw e;
      }
      const status = rolloutStatus(deployment);
      const rs = snapshot.newReplicaSet;
      if (rs && rs.metadata?.name !== lastRs) {
        lastRs = rs.metadata?.name ?? '';
        options.timeline.add(`${label}: new ReplicaSet ${describeReplicaSet(rs)}`);
      }
      if (status.message !== lastMessage) {
        lastMessage = status.message;
        options.timeline.add(`${label}: ${status.message}`);
      }
      const pods = assessPods(snapshot.pods, {
        maxRestarts: options.maxRestarts,
        readyTimeoutMs: options.readyTimeoutMs,
        now: now(),
        firstSeen,
      });
      snapshot.podViews = pods.views;
      if (pods.readyCount !== lastReady && snapshot.pods.length > 0) {
        lastReady = pods.readyCount;
        options.log.info(`${label}: ${pods.readyCount}/${snapshot.pods.length} new pods ready`);
      }

      if (status.failed) return fail('ProgressDeadlineExceeded', status.message);
      const podFailure = pods.failures[0];
      if (podFailure)
        return fail(
          podFailure.kind,
          `pod ${podFailure.pod}: ${podFailure.message}`,
          signalTime(podFailure, startedAt, now()),
          podFailure.pod,
        );
      const health = options.health?.snapshot();
      if (health?.unhealthy) {
        return fail(
          'HealthCheck',
          `health check failed ${health.consecutiveFailures} times in a row: ${health.lastError}`,
          health.streakStartedAt ?? now(),
        );
      }

      if (status.done && completedAt === undefined) {
        completedAt = now();
        if (rs)
          options.timeline.add(`${label}: complete at revision ${revisionOf(deployment)} (${describeReplicaSet(rs)})`);
        if (options.verifyMs <= 0) return { ok: true, snapshot };
        options.timeline.add(
          `${label}: verifying for ${Math.round(options.verifyMs / 1000)}s${options.health ? ' (pods and health URL)' : ' (pods)'}`,
        );
      }
      if (completedAt !== undefined && now() - completedAt >= options.verifyMs) {
        options.timeline.add(`${label}: verified`);
        return { ok: true, snapshot };
      }
      if (now() - startedAt >= options.timeoutMs) {
        return fail(
          'Timeout',
          `${label} did not complete within ${Math.round(options.timeoutMs / 1000)}s: ${status.message}`,
        );
      }
      try {
        await watcher.changed(interval, options.signal);
      } catch {
        return fail('Cancelled', abortMessage(options.signal));
      }
    }
    return fail('Timeout', `${label} monitor stopped after too many checks`);
  } finally {
    await watcher.stop();
  }
}

/** The Deployment's ReplicaSets, its new one, and the new one's pods. */
export async function readSnapshot(api: KubeApi, namespace: string, deployment: V1Deployment): Promise<Snapshot> {
  const selector = selectorToString(deployment.spec?.selector);
  const replicaSets = await api.listReplicaSets(namespace, selector);
  const newReplicaSet = findNewReplicaSet(deployment, replicaSets);
  let pods: V1Pod[] = [];
  const hash = newReplicaSet?.metadata?.labels?.[POD_TEMPLATE_HASH];
  if (newReplicaSet) {
    const podSelector = hash ? [selector, `${POD_TEMPLATE_HASH}=${hash}`].filter((s) => s !== '').join(',') : selector;
    pods = (await api.listPods(namespace, podSelector)).filter((p) => isControlledBy(p, newReplicaSet.metadata?.uid));
  }
  return { deployment, replicaSets, ...(newReplicaSet ? { newReplicaSet } : {}), pods, podViews: [] };
}

/** The pod's own time of failure if it falls inside our watch window, else when we saw it. */
function signalTime(f: PodFailure, startedAt: number, detectedAt: number): number {
  if (f.reportedAt === undefined || f.reportedAt <= 0) return detectedAt;
  return Math.min(detectedAt, Math.max(startedAt, f.reportedAt));
}

function abortMessage(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof AbortedError) return reason.message;
  return reason === undefined ? 'cancelled' : errorMessage(reason);
}
