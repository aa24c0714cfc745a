/**
 * The ReplicaSet controller (pkg/controller/replicaset): keeps `spec.replicas` active pods, deletes the
 * least valuable ones first, and reports replicas / ready / available counts.
 */
import { parseTimestamp } from '../clock.js';
import { isPodReady } from '../kubelet.js';
import { selectorMatches } from '../selectors.js';
import { clone, type Pod, type ReplicaSet } from '../types.js';
import { controllerRef, controllerUid, omitZero, recordEvent, type ControllerContext } from './context.js';

const BURST_REPLICAS = 500;

export function isActivePod(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

function readySince(pod: Pod): number | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  return ready ? parseTimestamp(ready.lastTransitionTime) : undefined;
}

/** podutil.IsPodAvailable: ready, and for at least minReadySeconds. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** controller.ActivePods ordering: the pods to delete first sort first. */
function deletionOrder(a: Pod, b: Pod): number {
  const assigned = (p: Pod) => (p.spec.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: Pod) => PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: Pod) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (isPodReady(a) && isPodReady(b)) {
    const sa = readySince(a) ?? 0;
    const sb = readySince(b) ?? 0;
    if (sa !== sb) return sb - sa; // ready for less time goes first
  }
  const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((s) => s.restartCount));
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Pod) => parseTimestamp(p.metadata.creationTimestamp) ?? 0;
  return created(b) - created(a); // newer first
}

export function podsOf(ctx: ControllerContext, rs: ReplicaSet): Pod[] {
  return (ctx.store.list(ctx.types.pods, rs.metadata.namespace) as Pod[]).filter(
    (p) => controllerUid(p) === rs.metadata.uid,
  );
}

function newPod(ctx: ControllerContext, rs: ReplicaSet): Pod {
  const template = clone(rs.spec.template ?? {});
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(rs, ctx.types.replicasets)],
    },
    spec: clone(template.spec ?? { containers: [] }) as Pod['spec'],
  };
}

export function syncReplicaSet(ctx: ControllerContext, rs: ReplicaSet): void {
  const pods = podsOf(ctx, rs);
  const active = pods.filter(isActivePod);
  const now = ctx.clock.now();
  const minReady = rs.spec.minReadySeconds ?? 0;

  if (!rs.metadata.deletionTimestamp) {
    const wanted = rs.spec.replicas ?? 1;
    const diff = active.length - wanted;
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      for (let i = 0; i < count; i++) {
        const pod = ctx.createPod(newPod(ctx, rs));
        recordEvent(
          ctx,
          rs,
          ctx.types.replicasets,
          'Normal',
          'SuccessfulCreate',
          `Created pod: ${pod.metadata.name}`,
          'replicaset-controller',
        );
      }
    } else if (diff > 0) {
      for (const pod of [...active].sort(deletionOrder).slice(0, Math.min(diff, BURST_REPLICAS))) {
        const grace = (pod.spec.terminationGracePeriodSeconds as number | undefined) ?? 30;
        ctx.store.markDeleted(ctx.types.pods, pod.metadata.namespace!, pod.metadata.name!, grace);
        recordEvent(
          ctx,
          rs,
          ctx.types.replicasets,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${pod.metadata.name}`,
          'replicaset-controller',
        );
      }
    }
  }

  const templateLabels = rs.spec.template?.metadata?.labels ?? {};
  const status = omitZero(
    {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) =>
        Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
      ).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation,
      ...(rs.status?.conditions?.length ? { conditions: rs.status.conditions } : {}),
    },
    ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
  );
  const current = ctx.store.get(ctx.types.replicasets, rs.metadata.namespace!, rs.metadata.name!) as
    ReplicaSet | undefined;
  if (!current) return;
  current.status = status;
  ctx.store.update(ctx.types.replicasets, current);
}

/** Pods a ReplicaSet selects but nobody controls are adopted, like ClaimPods does. */
export function adoptOrphanPods(ctx: ControllerContext, rs: ReplicaSet): void {
  if (rs.metadata.deletionTimestamp) return;
  for (const pod of ctx.store.list(ctx.types.pods, rs.metadata.namespace) as Pod[]) {
    if (controllerUid(pod) || pod.metadata.deletionTimestamp) continue;
    if (!selectorMatches(rs.spec.selector, pod.metadata.labels)) continue;
    pod.metadata.ownerReferences = [...(pod.metadata.ownerReferences ?? []), controllerRef(rs, ctx.types.replicasets)];
    ctx.store.update(ctx.types.pods, pod);
  }
}
