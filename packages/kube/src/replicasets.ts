import type { V1Deployment, V1LabelSelector, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/** The revision annotation as a number; 0 when absent or not a number (as kubectl's Revision()). */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): number {
  const raw = obj?.metadata?.annotations?.[REVISION_ANNOTATION];
  const n = raw === undefined ? NaN : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : 0;
}

/** A label selector as the API's labelSelector query text (matchLabels and matchExpressions). */
export function selectorToString(selector: V1LabelSelector | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const expr of selector?.matchExpressions ?? []) {
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
        parts.push(`${expr.key} in (${values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${expr.key} notin (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(expr.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${expr.key}`);
        break;
      default:
        throw new Error(`unsupported label selector operator "${expr.operator}"`);
    }
  }
  return parts.join(',');
}

/** Whether `owner` is the controller of `obj` (ownerReferences with controller: true and the same uid). */
export function isControlledBy(
  obj: { metadata?: { ownerReferences?: { uid: string; controller?: boolean }[] } },
  ownerUid: string | undefined,
): boolean {
  if (!ownerUid) return false;
  return (obj.metadata?.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === ownerUid);
}

/** The ReplicaSets this Deployment controls (from a list made with its selector). */
export function ownedReplicaSets(deployment: V1Deployment, replicaSets: V1ReplicaSet[]): V1ReplicaSet[] {
  return replicaSets.filter((rs) => isControlledBy(rs, deployment.metadata?.uid));
}

/** A copy of the template without the pod-template-hash label, as the controller compares them. */
export function withoutHash(template: V1PodTemplateSpec | undefined): V1PodTemplateSpec {
  const copy = normalize(template ?? {}) as V1PodTemplateSpec;
  const labels = copy.metadata?.labels;
  if (labels) {
    delete labels[POD_TEMPLATE_HASH];
    if (copy.metadata && Object.keys(labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}

/** Template equality ignoring pod-template-hash (the controller's EqualIgnoreHash). */
export function templatesEqual(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  return deepEqual(withoutHash(a), withoutHash(b));
}

/**
 * The ReplicaSet of the Deployment's current template: the oldest one whose template equals the
 * Deployment's (as the controller's FindNewReplicaSet), else the one carrying the Deployment's revision.
 */
export function findNewReplicaSet(deployment: V1Deployment, replicaSets: V1ReplicaSet[]): V1ReplicaSet | undefined {
  const owned = ownedReplicaSets(deployment, replicaSets).sort(byCreation);
  const byTemplate = owned.find((rs) => templatesEqual(rs.spec?.template, deployment.spec?.template));
  if (byTemplate) return byTemplate;
  const revision = revisionOf(deployment);
  return revision > 0 ? owned.find((rs) => revisionOf(rs) === revision) : undefined;
}

export function byCreation(a: V1ReplicaSet, b: V1ReplicaSet): number {
  const ta = timeOf(a.metadata?.creationTimestamp);
  const tb = timeOf(b.metadata?.creationTimestamp);
  return ta - tb || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Timestamps arrive as Date from typed calls and as strings from watches. */
export function timeOf(value: Date | string | undefined): number {
  if (value === undefined) return 0;
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(t) ? 0 : t;
}

/**
 * A JSON-shaped copy: drops undefined fields, turns Dates into ISO strings, and drops empty maps and
 * lists (the API server omits them, so `{}` and "absent" mean the same).
 */
export function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      const n = normalize(v);
      if (n && typeof n === 'object' && Object.keys(n).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  const na = normalize(a);
  const nb = normalize(b);
  return stableStringify(na) === stableStringify(nb);
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** "web-7d9f (revision 3, image ghcr.io/acme/web:1.2, 2/3 ready)" */
export function describeReplicaSet(rs: V1ReplicaSet): string {
  const images = (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(', ');
  const ready = rs.status?.readyReplicas ?? 0;
  const want = rs.spec?.replicas ?? 0;
  return `${rs.metadata?.name} (revision ${revisionOf(rs)}, image ${images || '?'}, ${ready}/${want} ready, ${rs.status?.replicas ?? 0} pods)`;
}
