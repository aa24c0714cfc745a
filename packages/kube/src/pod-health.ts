import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { timeOf } from './replicasets.js';

/** Waiting reasons that never resolve by waiting: the new version is broken (or cannot start). */
const FATAL_WAITING_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export type PodFailureKind =
  | 'CrashLoopBackOff'
  | 'ImagePullBackOff'
  | 'ErrImagePull'
  | 'CreateContainerConfigError'
  | 'ContainerError'
  | 'OOMKilled'
  | 'TooManyRestarts'
  | 'NotReady';

export interface PodFailure {
  pod: string;
  container?: string;
  kind: PodFailureKind;
  /** One line for people: "container web: CrashLoopBackOff (back-off 10s restarting failed container)". */
  message: string;
  /** When the pod itself says it happened (epoch ms, the cluster's clock), if it says. */
  reportedAt?: number;
}

/** A pod as the summary shows it (kubectl get pods columns). */
export interface PodView {
  name: string;
  ready: string;
  status: string;
  restarts: number;
  node?: string;
}

export interface PodHealthOptions {
  /** More restarts than this (summed over the pod's containers) is a failure. */
  maxRestarts: number;
  /** A pod that is not Ready this long after we first saw it is a failure. */
  readyTimeoutMs: number;
  now: number;
  /** When each pod (by name) was first seen; filled in here for new pods. */
  firstSeen: Map<string, number>;
}

export interface PodHealth {
  failures: PodFailure[];
  views: PodView[];
  readyCount: number;
}

/** Judges the new ReplicaSet's pods. Pure: the caller decides what a failure leads to. */
export function assessPods(pods: V1Pod[], options: PodHealthOptions): PodHealth {
  const failures: PodFailure[] = [];
  const views: PodView[] = [];
  let readyCount = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue; // terminating: no longer part of the rollout
    const name = pod.metadata?.name ?? '?';
    if (!options.firstSeen.has(name)) options.firstSeen.set(name, options.now);
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const ready = isPodReady(pod);
    if (ready) readyCount++;
    const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
    views.push({
      name,
      ready: `${(pod.status?.containerStatuses ?? []).filter((s) => s.ready).length}/${pod.spec?.containers?.length ?? 0}`,
      status: podStatusText(pod),
      restarts,
      ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    });

    const containerFailure = statuses.map((s) => containerFailureOf(name, s)).find((f) => f !== undefined);
    if (containerFailure) {
      failures.push(containerFailure);
      continue;
    }
    if (restarts > options.maxRestarts) {
      const worst = statuses.reduce<V1ContainerStatus | undefined>(
        (a, s) => ((s.restartCount ?? 0) > (a?.restartCount ?? -1) ? s : a),
        undefined,
      );
      const finished = worst?.lastState?.terminated?.finishedAt;
      failures.push({
        pod: name,
        ...(worst ? { container: worst.name } : {}),
        kind: 'TooManyRestarts',
        message: `${restarts} restarts (more than max-restarts ${options.maxRestarts})${lastExit(worst)}`,
        ...(finished ? { reportedAt: timeOf(finished) } : {}),
      });
      continue;
    }
    const seen = options.firstSeen.get(name) ?? options.now;
    if (!ready && pod.status?.phase !== 'Succeeded' && options.now - seen >= options.readyTimeoutMs) {
      failures.push({
        pod: name,
        kind: 'NotReady',
        message: `not ready ${Math.round((options.now - seen) / 1000)}s after it appeared (ready-timeout ${Math.round(options.readyTimeoutMs / 1000)}s): ${podStatusText(pod)}${conditionHint(pod)}`,
      });
    }
  }
  return { failures, views, readyCount };
}

function containerFailureOf(pod: string, s: V1ContainerStatus): PodFailure | undefined {
  const oom =
    s.state?.terminated?.reason === 'OOMKilled'
      ? s.state.terminated
      : s.lastState?.terminated?.reason === 'OOMKilled'
        ? s.lastState.terminated
        : undefined;
  if (oom) {
    return {
      pod,
      container: s.name,
      kind: 'OOMKilled',
      message: `container ${s.name} was OOMKilled (exit code ${oom.exitCode}); raise its memory limit or fix the leak`,
      ...(oom.finishedAt ? { reportedAt: timeOf(oom.finishedAt) } : {}),
    };
  }
  const waiting = s.state?.waiting;
  if (waiting?.reason && FATAL_WAITING_REASONS.has(waiting.reason)) {
    const kind: PodFailureKind =
      waiting.reason === 'CrashLoopBackOff' ||
      waiting.reason === 'ImagePullBackOff' ||
      waiting.reason === 'ErrImagePull' ||
      waiting.reason === 'CreateContainerConfigError'
        ? waiting.reason
        : waiting.reason === 'InvalidImageName' || waiting.reason === 'ErrImageNeverPull'
          ? 'ImagePullBackOff'
          : 'ContainerError';
    const finished = s.lastState?.terminated?.finishedAt;
    return {
      pod,
      container: s.name,
      kind,
      message: `container ${s.name}: ${waiting.reason}${waiting.message ? ` (${oneLine(waiting.message)})` : ''}${kind === 'CrashLoopBackOff' ? lastExit(s) : ''}`,
      ...(finished && kind === 'CrashLoopBackOff' ? { reportedAt: timeOf(finished) } : {}),
    };
  }
  return undefined;
}

function lastExit(s: V1ContainerStatus | undefined): string {
  const t = s?.lastState?.terminated;
  if (!t) return '';
  return `; last exit code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${oneLine(t.message)}` : ''}`;
}

function conditionHint(pod: V1Pod): string {
  const c = (pod.status?.conditions ?? []).find((x) => x.status === 'False' && x.message);
  return c ? ` (${c.type}: ${oneLine(c.message ?? '')})` : '';
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

export function isPodReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** kubectl get pods' STATUS column, simplified: pod reason, else a container's waiting/terminated reason, else the phase. */
export function podStatusText(pod: V1Pod): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  if (pod.status?.reason) return pod.status.reason;
  for (const s of pod.status?.initContainerStatuses ?? []) {
    if (s.state?.waiting?.reason && s.state.waiting.reason !== 'PodInitializing')
      return `Init:${s.state.waiting.reason}`;
    if (s.state?.terminated && s.state.terminated.exitCode !== 0) return `Init:${s.state.terminated.reason ?? 'Error'}`;
  }
  for (const s of pod.status?.containerStatuses ?? []) {
    if (s.state?.waiting?.reason) return s.state.waiting.reason;
    if (s.state?.terminated?.reason) return s.state.terminated.reason;
  }
  return pod.status?.phase ?? 'Unknown';
}
