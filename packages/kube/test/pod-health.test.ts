import { describe, expect, it } from '@jest/globals';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { assessPods, podStatusText } from '../src/pod-health.js';

function pod(name: string, status: Partial<V1ContainerStatus>, ready = false): V1Pod {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'app' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready, restartCount: 0, ...status }],
    },
  };
}

const opts = (over: Partial<Parameters<typeof assessPods>[1]> = {}) => ({
  maxRestarts: 2,
  readyTimeoutMs: 60_000,
  now: 1_000_000,
  firstSeen: new Map<string, number>(),
  ...over,
});

describe('assessPods', () => {
  it.each([
    ['CrashLoopBackOff', 'CrashLoopBackOff'],
    ['ImagePullBackOff', 'ImagePullBackOff'],
    ['ErrImagePull', 'ErrImagePull'],
    ['InvalidImageName', 'ImagePullBackOff'],
    ['CreateContainerConfigError', 'CreateContainerConfigError'],
    ['RunContainerError', 'ContainerError'],
  ])('a container waiting with %s is a %s failure', (reason, kind) => {
    const h = assessPods([pod('p', { state: { waiting: { reason, message: 'details' } } })], opts());
    expect(h.failures).toEqual([expect.objectContaining({ pod: 'p', container: 'app', kind })]);
    expect(h.failures[0]?.message).toContain(`${reason} (details)`);
  });

  it('ContainerCreating and PodInitializing are not failures', () => {
    expect(assessPods([pod('p', { state: { waiting: { reason: 'ContainerCreating' } } })], opts()).failures).toEqual(
      [],
    );
  });

  it('OOMKilled in lastState is a failure even while the container runs again, with the time it happened', () => {
    const finishedAt = new Date(999_000);
    const h = assessPods(
      [
        pod('p', {
          restartCount: 1,
          state: { running: {} },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt } },
        }),
      ],
      opts(),
    );
    expect(h.failures[0]).toMatchObject({ kind: 'OOMKilled', reportedAt: 999_000 });
  });

  it('more restarts than max-restarts is a failure; as many is not', () => {
    expect(assessPods([pod('p', { restartCount: 2, state: { running: {} } })], opts()).failures).toEqual([]);
    expect(assessPods([pod('p', { restartCount: 3, state: { running: {} } })], opts()).failures[0]?.kind).toBe(
      'TooManyRestarts',
    );
  });

  it('a pod not ready within ready-timeout of first being seen is a failure', () => {
    const firstSeen = new Map([['p', 1_000_000 - 61_000]]);
    const h = assessPods([pod('p', { state: { running: {} } })], opts({ firstSeen }));
    expect(h.failures[0]?.kind).toBe('NotReady');
    expect(assessPods([pod('p', { state: { running: {} } })], opts()).failures).toEqual([]);
  });

  it('counts ready pods and ignores terminating ones', () => {
    const terminating = pod('old', { state: { waiting: { reason: 'CrashLoopBackOff' } } });
    terminating.metadata!.deletionTimestamp = new Date();
    const h = assessPods([pod('a', { state: { running: {} } }, true), terminating], opts());
    expect(h.readyCount).toBe(1);
    expect(h.failures).toEqual([]);
    expect(h.views.map((v) => v.name)).toEqual(['a']);
  });

  it('describes a pod like kubectl get pods', () => {
    expect(podStatusText(pod('p', { state: { waiting: { reason: 'ImagePullBackOff' } } }))).toBe('ImagePullBackOff');
    expect(podStatusText(pod('p', { state: { running: {} } }, true))).toBe('Running');
  });
});
