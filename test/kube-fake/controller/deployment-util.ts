/** Helpers of pkg/controller/deployment/util: fenceposts, revisions, template equality, status math. */
import { isDeepStrictEqual } from 'node:util';
import { clone, type Deployment, type IntOrString, type PodTemplateSpec, type ReplicaSet } from '../types.js';
import { parseTimestamp } from '../clock.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const ROLLBACK_TO = 'deprecated.deployment.rollback.to';

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new Error(`invalid value for IntOrString: invalid value "${value}"`);
  }
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** ResolveFenceposts: surge rounds up, unavailable rounds down, and both zero means one unavailable. */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): [number, number] {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

export function replicasOf(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const rolling = d.spec.strategy?.rollingUpdate;
  const [, unavailable] = resolveFenceposts(rolling?.maxSurge, rolling?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const rolling = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(rolling?.maxSurge, rolling?.maxUnavailable, replicasOf(d))[0];
}

export function revisionOf(rs: ReplicaSet | Deployment | undefined): number {
  const value = rs?.metadata.annotations?.[REVISION];
  const n = value === undefined ? 0 : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** EqualIgnoreHash: templates are equal when they differ only in the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined) => {
    const copy = clone(t ?? {});
    copy.metadata = copy.metadata ?? {};
    const labels = { ...(copy.metadata.labels ?? {}) };
    delete labels[POD_TEMPLATE_HASH];
    if (Object.keys(labels).length === 0) delete copy.metadata.labels;
    else copy.metadata.labels = labels;
    if (copy.metadata.annotations && Object.keys(copy.metadata.annotations).length === 0)
      delete copy.metadata.annotations;
    return copy;
  };
  return isDeepStrictEqual(strip(a), strip(b));
}

export function createdMs(rs: ReplicaSet): number {
  return parseTimestamp(rs.metadata.creationTimestamp) ?? 0;
}

/** Oldest first; ties broken by name, like controller.ReplicaSetsByCreationTimestamp. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return createdMs(a) - createdMs(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

export function specReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec.replicas ?? 0;
}

export function sum(list: (ReplicaSet | undefined)[], of: (rs: ReplicaSet) => number | undefined): number {
  return list.reduce((total, rs) => total + (rs ? (of(rs) ?? 0) : 0), 0);
}

/** The annotations the controller never copies from the Deployment to its ReplicaSets. */
export function skipCopyAnnotation(key: string): boolean {
  return [LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO].includes(key);
}

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== 2147483647;
}
