import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { ActionError } from '@ralph-deploy/common';
import {
  CHANGE_CAUSE_ANNOTATION,
  POD_TEMPLATE_HASH,
  REVISION_ANNOTATION,
  normalize,
  ownedReplicaSets,
  revisionOf,
  templatesEqual,
} from './replicasets.js';

/** Annotations `kubectl rollout undo` keeps from the Deployment instead of copying from the ReplicaSet. */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export type JsonPatchOp = { op: 'add' | 'replace' | 'remove' | 'test'; path: string; value?: unknown };

export type RollbackPlan =
  | { action: 'skip'; fromRevision: number; toRevision: number; target: V1ReplicaSet; message: string }
  | {
      action: 'patch';
      fromRevision: number;
      toRevision: number;
      target: V1ReplicaSet;
      patch: JsonPatchOp[];
      message: string;
    };

/**
 * `kubectl rollout undo` (rollback.go) as a pure function: among the ReplicaSets the Deployment
 * controls, pick the one with revision `toRevision` (default: the second-highest revision); skip
 * when its template already equals the Deployment's (ignoring pod-template-hash); otherwise replace
 * /spec/template with its template minus that label, and the annotations with the ReplicaSet's
 * (keeping the Deployment's own revision bookkeeping). `changeCause` records who rolled back.
 */
export function planRollback(
  deployment: V1Deployment,
  replicaSets: V1ReplicaSet[],
  toRevision = 0,
  changeCause?: string,
): RollbackPlan {
  const name = `${deployment.metadata?.namespace}/${deployment.metadata?.name}`;
  if (deployment.spec?.paused) {
    throw new ActionError(`Deployment ${name} is paused: resume it first (kubectl rollout resume) and try again`);
  }
  const owned = ownedReplicaSets(deployment, replicaSets);
  const target = pickRevision(owned, toRevision);
  if (!target) {
    throw new ActionError(
      toRevision > 0
        ? `Deployment ${name} has no revision ${toRevision} (it has: ${revisionsOf(owned) || 'none'})`
        : `Deployment ${name} has no rollout history to roll back to (revisions: ${revisionsOf(owned) || 'none'})`,
    );
  }
  const fromRevision = revisionOf(deployment);
  const toRev = revisionOf(target);
  if (templatesEqual(target.spec?.template, deployment.spec?.template)) {
    return {
      action: 'skip',
      fromRevision,
      toRevision: toRev,
      target,
      message: `skipped rollback (current template already matches revision ${toRev})`,
    };
  }
  const template = normalize(target.spec?.template ?? {}) as V1PodTemplateSpec;
  if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH];

  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(deployment.metadata?.annotations ?? {}))
    if (ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(target.metadata?.annotations ?? {}))
    if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  if (changeCause) annotations[CHANGE_CAUSE_ANNOTATION] = changeCause;

  return {
    action: 'patch',
    fromRevision,
    toRevision: toRev,
    target,
    // "add" sets a member whether or not it exists, where "replace" fails on a Deployment without annotations.
    patch: [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'add', path: '/metadata/annotations', value: annotations },
    ],
    message: `rolling back from revision ${fromRevision} to revision ${toRev}`,
  };
}

function pickRevision(replicaSets: V1ReplicaSet[], toRevision: number): V1ReplicaSet | undefined {
  if (toRevision > 0) return replicaSets.find((rs) => revisionOf(rs) === toRevision);
  let latest: V1ReplicaSet | undefined;
  let previous: V1ReplicaSet | undefined;
  for (const rs of replicaSets) {
    const v = revisionOf(rs);
    if (v <= 0) continue;
    if (!latest || v > revisionOf(latest)) {
      previous = latest;
      latest = rs;
    } else if (!previous || v > revisionOf(previous)) {
      previous = rs;
    }
  }
  return previous;
}

function revisionsOf(replicaSets: V1ReplicaSet[]): string {
  return replicaSets
    .map(revisionOf)
    .filter((r) => r > 0)
    .sort((a, b) => a - b)
    .join(', ');
}
