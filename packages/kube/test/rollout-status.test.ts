import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { rolloutStatus } from '../src/rollout-status.js';

function dep(spec: { replicas?: number; generation?: number }, status: Record<string, unknown>): V1Deployment {
  return {
    metadata: { name: 'web', generation: spec.generation ?? 2 },
    spec: { ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}), selector: {}, template: {} },
    status,
  } as V1Deployment;
}

describe('rolloutStatus (kubectl semantics)', () => {
  it('waits while the spec update is not observed', () => {
    const s = rolloutStatus(
      dep(
        { replicas: 3, generation: 3 },
        { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 },
      ),
    );
    expect(s).toEqual({ done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' });
  });

  it('fails on ProgressDeadlineExceeded even when counts look fine', () => {
    const s = rolloutStatus(
      dep(
        { replicas: 1 },
        {
          observedGeneration: 2,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        },
      ),
    );
    expect(s.failed).toBe(true);
    expect(s.message).toBe('deployment "web" exceeded its progress deadline');
  });

  it('treats missing status counts as 0', () => {
    const s = rolloutStatus(dep({ replicas: 2 }, { observedGeneration: 2 }));
    expect(s.message).toBe(
      'Waiting for deployment "web" rollout to finish: 0 out of 2 new replicas have been updated...',
    );
  });

  it('waits for old replicas to terminate, then for availability', () => {
    expect(
      rolloutStatus(
        dep({ replicas: 2 }, { observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 2 }),
      ).message,
    ).toContain('1 old replicas are pending termination');
    expect(
      rolloutStatus(
        dep({ replicas: 2 }, { observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 }),
      ).message,
    ).toContain('1 of 2 updated replicas are available');
  });

  it('is done when every check passes, including a Deployment scaled to zero', () => {
    expect(
      rolloutStatus(
        dep({ replicas: 2 }, { observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }),
      ).done,
    ).toBe(true);
    expect(rolloutStatus(dep({ replicas: 0 }, { observedGeneration: 2 })).done).toBe(true);
  });

  it('skips the updated-replicas check when spec.replicas is absent', () => {
    expect(rolloutStatus(dep({}, { observedGeneration: 2 })).done).toBe(true);
  });
});
