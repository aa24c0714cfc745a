import { describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { planRollback } from '../src/rollback-plan.js';

const owner = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }];

function rs(revision: number, image: string, hash: string, extra: Record<string, string> = {}): V1ReplicaSet {
  return {
    metadata: {
      name: `web-${hash}`,
      uid: `rs-${hash}`,
      ownerReferences: owner,
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...extra },
    },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': hash } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
  };
}

function deployment(image: string, revision: number): V1Deployment {
  return {
    metadata: {
      name: 'web',
      namespace: 'prod',
      uid: 'd1',
      annotations: { 'deployment.kubernetes.io/revision': String(revision), team: 'core' },
    },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

describe('planRollback (kubectl rollout undo)', () => {
  const sets = [
    rs(1, 'web:1', 'aaa', { 'kubernetes.io/change-cause': 'v1' }),
    rs(3, 'web:3', 'ccc'),
    rs(2, 'web:2', 'bbb'),
  ];

  it('targets the second-highest revision by default and drops pod-template-hash', () => {
    const plan = planRollback(deployment('web:3', 3), sets);
    expect(plan.action).toBe('patch');
    expect(plan.toRevision).toBe(2);
    if (plan.action !== 'patch') return;
    expect(plan.patch[0]).toEqual({
      op: 'replace',
      path: '/spec/template',
      value: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'web:2' }] } },
    });
  });

  it('copies the ReplicaSet annotations but keeps the Deployment revision bookkeeping, and records the cause', () => {
    const plan = planRollback(deployment('web:3', 3), sets, 1, 'rolled back by ci');
    if (plan.action !== 'patch') throw new Error('expected a patch');
    expect(plan.patch[1]).toEqual({
      op: 'add',
      path: '/metadata/annotations',
      value: { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'rolled back by ci' },
    });
  });

  it('skips when the target template already equals the current one (ignoring pod-template-hash)', () => {
    const plan = planRollback(deployment('web:2', 3), sets, 2);
    expect(plan).toMatchObject({
      action: 'skip',
      message: 'skipped rollback (current template already matches revision 2)',
    });
  });

  it('ignores ReplicaSets the Deployment does not control', () => {
    const foreign = { ...rs(5, 'web:5', 'eee'), metadata: { ...rs(5, 'web:5', 'eee').metadata, ownerReferences: [] } };
    expect(planRollback(deployment('web:3', 3), [...sets, foreign]).toRevision).toBe(2);
  });

  it('names the revisions when the target does not exist, and refuses a paused Deployment', () => {
    expect(() => planRollback(deployment('web:3', 3), sets, 9)).toThrow(
      'Deployment prod/web has no revision 9 (it has: 1, 2, 3)',
    );
    expect(() => planRollback(deployment('web:1', 1), [sets[0]!])).toThrow(
      /has no rollout history to roll back to \(revisions: 1\)/,
    );
    const paused = deployment('web:3', 3);
    paused.spec!.paused = true;
    expect(() => planRollback(paused, sets)).toThrow(/is paused/);
  });
});
