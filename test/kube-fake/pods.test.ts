import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startKubeFake, type KubeFake } from './index.js';
import type { ContainerStatus, Pod } from './types.js';
import { clients } from './test-helpers.js';
import { restartBackoffSeconds } from './kubelet.js';

let fake: KubeFake;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  // time stands still unless a test advances it, so every state below is reached deterministically
  fake = await startKubeFake({ timeScale: 1e-6, tickMs: 10 });
  api = clients(fake);
});
afterAll(async () => {
  expect(fake.controllerErrors()).toEqual([]);
  await fake.stop();
});

async function runPod(name: string, image: string) {
  return api.core.createNamespacedPod({
    namespace: 'default',
    body: { metadata: { name }, spec: { containers: [{ name: 'app', image }] } },
  });
}

function pod(name: string): Pod {
  fake.cluster.controllers.runPass();
  return fake.get<Pod>('Pod', 'default', name)!;
}

function container(name: string): ContainerStatus {
  return pod(name).status!.containerStatuses![0]!;
}

function condition(name: string, type: string) {
  return pod(name).status?.conditions?.find((c) => c.type === type);
}

describe('scripted pods', () => {
  it('default image: ContainerCreating, then running, then ready', async () => {
    await runPod('good', 'registry.local/app:v1');
    expect(pod('good').status?.phase).toBe('Pending');
    expect(container('good').state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    fake.advance(1.5);
    expect(pod('good').status?.phase).toBe('Running');
    expect(container('good')).toMatchObject({
      ready: false,
      started: true,
      restartCount: 0,
      image: 'registry.local/app:v1',
    });
    expect(condition('good', 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
    fake.advance(2);
    expect(container('good').ready).toBe(true);
    expect(condition('good', 'Ready')?.status).toBe('True');
    expect(condition('good', 'ContainersReady')?.status).toBe('True');
    expect(pod('good').spec.nodeName).toBeTruthy();
    expect(pod('good').status?.podIP).toMatch(/^10\.244\./);
  });

  it('*:crashloop: Error, immediate restart, then CrashLoopBackOff with restarts growing', async () => {
    await runPod('crash', 'app:crashloop');
    fake.advance(1.2);
    expect(container('crash').state.running).toBeDefined();
    fake.advance(1);
    expect(container('crash')).toMatchObject({
      restartCount: 0,
      state: { terminated: { reason: 'Error', exitCode: 1 } },
    });
    fake.advance(1);
    expect(container('crash').restartCount).toBe(1);
    expect(container('crash').lastState.terminated?.reason).toBe('Error');
    fake.advance(1);
    expect(container('crash')).toMatchObject({ restartCount: 1, state: { terminated: { reason: 'Error' } } });
    fake.advance(1);
    expect(container('crash')).toMatchObject({
      restartCount: 1,
      ready: false,
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: expect.stringMatching(/^back-off 10s restarting failed container=app pod=crash_default\(/),
        },
      },
      lastState: { terminated: { reason: 'Error', exitCode: 1 } },
    });
    expect(pod('crash').status?.phase).toBe('Running');
    fake.advance(60); // restarts at 15 s and 37 s (back-off 10 s, 20 s), now backing off 40 s
    expect(container('crash')).toMatchObject({
      restartCount: 3,
      state: { waiting: { reason: 'CrashLoopBackOff', message: expect.stringContaining('back-off 40s') } },
    });
  });

  it('back-off doubles from 10 s up to five minutes', () => {
    expect([0, 1, 2, 3, 6, 10].map(restartBackoffSeconds)).toEqual([0, 10, 20, 40, 300, 300]);
  });

  it('*:badpull: ErrImagePull, then ImagePullBackOff, phase Pending', async () => {
    await runPod('pull', 'registry.local/app:badpull');
    fake.advance(1.5);
    expect(container('pull').state.waiting).toMatchObject({
      reason: 'ErrImagePull',
      message: expect.stringContaining('registry.local/app:badpull'),
    });
    fake.advance(3);
    expect(container('pull').state.waiting).toMatchObject({
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "registry.local/app:badpull"',
    });
    expect(pod('pull').status?.phase).toBe('Pending');
  });

  it('*:oom: OOMKilled in lastState with exit code 137', async () => {
    await runPod('oom', 'app:oom');
    fake.advance(1 + 2 + 1 + 0.5);
    const s = container('oom');
    expect(s.restartCount).toBe(1);
    expect(s.lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('*:neverready runs but is never ready; *:configerror waits in CreateContainerConfigError', async () => {
    await runPod('slow', 'app:neverready');
    await runPod('cfg', 'app:configerror');
    fake.advance(600);
    expect(container('slow')).toMatchObject({ ready: false, restartCount: 0 });
    expect(container('slow').state.running).toBeDefined();
    expect(container('cfg').state.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: 'secret "app-secrets" not found',
    });
    expect(pod('cfg').status?.phase).toBe('Pending');
  });

  it('rules set programmatically and through POST /_fake/behaviours win over the tag rules', async () => {
    fake.setBehaviour('registry.local/flaky:*', {
      readyAfterSeconds: 1,
      exitAfterSeconds: 5,
      exitCode: 2,
      exitReason: 'Error',
    });
    const response = await fetch(`${fake.url}/_fake/behaviours`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: '*:slowstart', startSeconds: 30 }),
    });
    expect(response.status).toBe(200);
    await runPod('flaky', 'registry.local/flaky:v1');
    await runPod('late', 'app:slowstart');
    fake.advance(2.5);
    expect(container('flaky').ready).toBe(true);
    expect(container('late').state.waiting?.reason).toBe('ContainerCreating');
    fake.advance(5);
    expect(container('flaky').lastState.terminated).toMatchObject({ exitCode: 2 });
    const bad = await fetch(`${fake.url}/_fake/behaviours`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(bad.status).toBe(400);
  });

  it('serves pod logs and refuses them for a container that never started', async () => {
    const logs = await api.core.readNamespacedPodLog({ namespace: 'default', name: 'crash', previous: true });
    expect(logs).toContain('panic');
    await expect(api.core.readNamespacedPodLog({ namespace: 'default', name: 'pull' })).rejects.toMatchObject({
      code: 400,
    });
  });

  it('records the events kubectl describe shows', async () => {
    const reasons = (name: string) =>
      fake
        .list('Event', 'default')
        .filter((e) => (e.involvedObject as { name: string }).name === name)
        .map((e) => `${e.type as string} ${e.reason as string}: ${e.message as string}`);
    expect(reasons('good')).toEqual(
      expect.arrayContaining([
        'Normal Scheduled: Successfully assigned default/good to kube-fake-node',
        'Normal Pulled: Successfully pulled image "registry.local/app:v1"',
        'Normal Started: Started container app',
      ]),
    );
    expect(reasons('crash')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Warning BackOff: Back-off restarting failed container app in pod crash_default\(/),
      ]),
    );
    expect(reasons('pull')).toEqual(
      expect.arrayContaining(['Warning Failed: Error: ErrImagePull', 'Warning Failed: Error: ImagePullBackOff']),
    );
    expect(reasons('cfg')).toEqual(expect.arrayContaining(['Warning Failed: Error: secret "app-secrets" not found']));
  });

  it('a pod can lose readiness while it keeps running (unreadyAfterSeconds)', async () => {
    fake.setBehaviour('app:degrades', { readyAfterSeconds: 1, unreadyAfterSeconds: 10 });
    const created = await runPod('degrades', 'app:degrades');
    expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    fake.advance(3);
    expect(container('degrades').ready).toBe(true);
    fake.advance(10);
    expect(container('degrades')).toMatchObject({
      ready: false,
      restartCount: 0,
      state: { running: expect.any(Object) },
    });
    expect(condition('degrades', 'Ready')?.status).toBe('False');
  });

  it('a deleted pod terminates for its grace period, then disappears', async () => {
    const deleted = await api.core.deleteNamespacedPod({ namespace: 'default', name: 'good' });
    expect(deleted.metadata?.deletionTimestamp).toBeDefined();
    expect(pod('good')).toBeDefined();
    fake.advance(2);
    expect(pod('good')).toBeUndefined();
  });
});
