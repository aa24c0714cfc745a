/**
 * A simulated kubelet: a pod's status is a pure function of its behaviour and the virtual time since
 * it was created (so crash loops, back-off and restart counts follow the kubelet's shape exactly and
 * time can be scaled or jumped). `podStatus` computes it; the controller loop writes it when it changes.
 */
import { createHash } from 'node:crypto';
import type { BehaviourRegistry, PodBehaviour } from './behaviours.js';
import { qosClass } from './defaults.js';
import { DEFAULT_BEHAVIOUR } from './behaviours.js';
import type { FakeClock } from './clock.js';
import type { Condition, Container, ContainerState, ContainerStatus, Pod, PodStatus } from './types.js';

export const NODE_NAME = 'kube-fake-node';
export const NODE_IP = '172.18.0.2';

type Behaviour = PodBehaviour & typeof DEFAULT_BEHAVIOUR;

/** Kubelet's restart back-off: the first restart is immediate, then 10 s doubling up to 5 min. */
export function restartBackoffSeconds(restarts: number): number {
  return restarts === 0 ? 0 : Math.min(10 * 2 ** (restarts - 1), 300);
}

/** Image pull back-off after the n-th failed pull (10 s doubling up to 5 min). */
function pullBackoffSeconds(failures: number): number {
  return Math.min(10 * 2 ** failures, 300);
}

/** How long a crashed container shows `terminated` before the kubelet waits in CrashLoopBackOff. */
const EXITED_WINDOW_SECONDS = 1;
/** How long ErrImagePull shows before ImagePullBackOff. */
const PULL_ERROR_WINDOW_SECONDS = 2;

/** docker.io normalisation the container runtime reports in status.image. */
export function normalizeImage(image: string): string {
  const firstSlash = image.indexOf('/');
  const first = firstSlash < 0 ? '' : image.slice(0, firstSlash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  let name = image;
  if (!hasRegistry) name = firstSlash < 0 ? `docker.io/library/${image}` : `docker.io/${image}`;
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  if (!lastSegment.includes(':') && !name.includes('@')) name += ':latest';
  return name;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

interface ContainerView {
  status: ContainerStatus;
  /** The container has run at least once (pod phase Running). */
  everStarted: boolean;
  /** Restart policy said no more restarts and it has exited. */
  finished?: { exitCode: number };
}

interface Clock {
  at: (seconds: number) => string;
}

function terminated(b: Behaviour, start: number, end: number, clock: Clock, containerID: string): ContainerState {
  return {
    terminated: {
      exitCode: b.exitCode,
      reason: b.exitReason,
      startedAt: clock.at(start),
      finishedAt: clock.at(end),
      containerID,
    },
  };
}

/** Status of one container `t` virtual seconds after pod creation. */
function containerView(pod: Pod, container: Container, b: Behaviour, t: number, clock: Clock): ContainerView {
  const image = container.image ?? '';
  const base = {
    name: container.name,
    image: normalizeImage(image),
    imageID: '',
    ready: false,
    restartCount: 0,
    started: false,
    lastState: {},
  };
  const id = (run: number) => `containerd://${sha(`${pod.metadata.uid}/${container.name}/${run}`)}`;
  const waiting = (reason: string, message?: string): ContainerState => ({
    waiting: message ? { reason, message } : { reason },
  });

  if (t < b.startSeconds) return { status: { ...base, state: waiting('ContainerCreating') }, everStarted: false };

  if (b.pullError) {
    // attempt k starts at a_k; ErrImagePull for a short window, then ImagePullBackOff until a_{k+1}
    let attemptStart = b.startSeconds;
    for (let k = 0; k < 1000; k++) {
      const next = attemptStart + PULL_ERROR_WINDOW_SECONDS + pullBackoffSeconds(k);
      if (t < next) {
        const ref = normalizeImage(image);
        const state =
          t < attemptStart + PULL_ERROR_WINDOW_SECONDS
            ? waiting(
                'ErrImagePull',
                `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: ${b.pullError}`,
              )
            : waiting('ImagePullBackOff', `Back-off pulling image "${image}"`);
        return { status: { ...base, state }, everStarted: false };
      }
      attemptStart = next;
    }
  }
  if (b.waitingReason) {
    return { status: { ...base, state: waiting(b.waitingReason, b.waitingMessage) }, everStarted: false };
  }

  const imageID = `${normalizeImage(image).replace(/:[^:/]+$/, '')}@sha256:${sha(image)}`;
  const restartPolicy = (pod.spec.restartPolicy as string | undefined) ?? 'Always';
  let runStart = b.startSeconds;
  let lastState: ContainerState = {};
  for (let run = 0; run < 10_000; run++) {
    const runEnd = b.exitAfterSeconds === null ? Infinity : runStart + b.exitAfterSeconds;
    const common = { ...base, imageID, containerID: id(run), restartCount: run, lastState };
    if (t < runEnd) {
      const readyFrom = b.readyAfterSeconds === null ? Infinity : runStart + b.readyAfterSeconds;
      const readyUntil = b.unreadyAfterSeconds === null ? Infinity : runStart + b.unreadyAfterSeconds;
      const ready = t >= readyFrom && t < readyUntil;
      return {
        status: { ...common, state: { running: { startedAt: clock.at(runStart) } }, ready, started: true },
        everStarted: true,
      };
    }
    const exit = terminated(b, runStart, runEnd, clock, id(run));
    const restarts = restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && b.exitCode !== 0);
    if (!restarts) {
      return { status: { ...common, state: exit }, everStarted: true, finished: { exitCode: b.exitCode } };
    }
    const nextStart = runEnd + EXITED_WINDOW_SECONDS + restartBackoffSeconds(run);
    if (t < runEnd + EXITED_WINDOW_SECONDS) return { status: { ...common, state: exit }, everStarted: true };
    if (t < nextStart) {
      // restartCount counts earlier instances, so it only grows when the next instance starts
      const message = `back-off ${formatBackoff(restartBackoffSeconds(run))} restarting failed container=${container.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
      return {
        status: { ...common, state: waiting('CrashLoopBackOff', message), lastState: exit },
        everStarted: true,
      };
    }
    lastState = exit;
    runStart = nextStart;
  }
  throw new Error('container simulation did not converge');
}

function formatBackoff(seconds: number): string {
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
}

function condition(
  type: string,
  ok: boolean,
  previous: Condition[] | undefined,
  now: string,
  reason?: string,
  message?: string,
): Condition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  const c: Condition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

/** The pod's whole status at the current virtual time. */
export function podStatus(
  pod: Pod,
  createdMs: number,
  behaviours: BehaviourRegistry,
  clock: FakeClock,
  podIP: string,
): PodStatus {
  const nowMs = clock.now();
  const now = clock.timestamp(nowMs);
  const t = (nowMs - createdMs) / 1000;
  const at = { at: (seconds: number) => clock.timestamp(createdMs + seconds * 1000) };
  const previous = pod.status?.conditions;
  const containers = pod.spec.containers ?? [];
  const behaviourOf = (c: Container) => behaviours.forImage(c.image ?? '');

  const unschedulable = containers.map(behaviourOf).find((b) => b.unschedulable)?.unschedulable;
  if (unschedulable) {
    return {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          lastProbeTime: null,
          lastTransitionTime: previous?.[0]?.lastTransitionTime ?? now,
          reason: 'Unschedulable',
          message: unschedulable,
        },
      ],
      qosClass: qosClass(pod),
    };
  }

  const views = containers.map((c) => containerView(pod, c, behaviourOf(c), t, at));
  const statuses = views.map((v) => v.status);
  const allReady = statuses.length > 0 && statuses.every((s) => s.ready);
  const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
  const notReadyMessage = `containers with unready status: [${notReady.join(' ')}]`;
  const sandboxReady = t >= Math.min(DEFAULT_BEHAVIOUR.startSeconds, 0.5);

  let phase: PodStatus['phase'] = 'Pending';
  if (views.length > 0 && views.every((v) => v.finished)) {
    phase = views.every((v) => v.finished!.exitCode === 0) ? 'Succeeded' : 'Failed';
  } else if (views.length > 0 && views.every((v) => v.everStarted)) phase = 'Running';

  const scheduledAt = at.at(0);
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', sandboxReady, previous, now),
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: scheduledAt },
      condition('Ready', allReady, previous, now, 'ContainersNotReady', notReadyMessage),
      condition('ContainersReady', allReady, previous, now, 'ContainersNotReady', notReadyMessage),
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: scheduledAt },
    ],
    hostIP: NODE_IP,
    hostIPs: [{ ip: NODE_IP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: scheduledAt,
    containerStatuses: statuses,
    qosClass: qosClass(pod),
  };
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Virtual seconds a deleted pod lingers (its behaviour's terminationSeconds, capped by its grace period). */
export function terminationSeconds(pod: Pod, behaviours: BehaviourRegistry): number {
  const grace =
    pod.metadata.deletionGracePeriodSeconds ?? (pod.spec.terminationGracePeriodSeconds as number | undefined) ?? 30;
  const wanted = Math.max(
    ...(pod.spec.containers ?? []).map((c) => behaviours.forImage(c.image ?? '').terminationSeconds),
    0,
  );
  return Math.min(grace, wanted);
}
