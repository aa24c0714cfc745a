import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { startKubeFake, type KubeFake } from './index.js';
import type { Deployment, ReplicaSet } from './types.js';
import { clients, deployment, replicaSetsOf, waitRolledOut } from './test-helpers.js';
import { resolveFenceposts } from './controller/deployment-util.js';

let fake: KubeFake;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  fake = await startKubeFake({ timeScale: 50, tickMs: 10, namespaces: ['prod'] });
  api = clients(fake);
});
afterAll(async () => {
  expect(fake.controllerErrors()).toEqual([]);
  await fake.stop();
});

const revisionOf = (rs: ReplicaSet) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'];

/** Watch every ReplicaSet write during a rollout and keep the worst totals seen. */
function trackBounds(namespace: string, ownerUid: string) {
  let maxTotal = 0;
  let minAvailable = Infinity;
  const unsubscribe = fake.cluster.store.subscribe((e) => {
    if (e.key !== 'apps/replicasets') return;
    const owned = fake
      .list<ReplicaSet>('ReplicaSet', namespace)
      .filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === ownerUid);
    maxTotal = Math.max(
      maxTotal,
      owned.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0),
    );
    minAvailable = Math.min(
      minAvailable,
      owned.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0),
    );
  });
  return { stop: () => (unsubscribe(), { maxTotal, minAvailable }) };
}

describe('fenceposts (Kubernetes rounding)', () => {
  it('rounds surge up and unavailable down, and never lets both be zero', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual([3, 2]);
    expect(resolveFenceposts('25%', '25%', 1)).toEqual([1, 0]);
    expect(resolveFenceposts(0, '10%', 5)).toEqual([0, 1]);
    expect(resolveFenceposts(2, 0, 4)).toEqual([2, 0]);
    expect(resolveFenceposts('0%', '0%', 4)).toEqual([0, 1]);
  });
});

describe('deployment controller', () => {
  it('creates revision 1, rolls an image change to revision 2 within maxSurge/maxUnavailable, and an undo reuses the old ReplicaSet as revision 3', async () => {
    const created = await api.apps.createNamespacedDeployment({
      namespace: 'prod',
      body: deployment('web', 'registry.local/web:v1', {
        replicas: 4,
        spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
      }) as k8s.V1Deployment,
    });
    expect(created.metadata?.generation).toBe(1);
    let d = await waitRolledOut(fake, 'prod', 'web');
    const [rs1] = replicaSetsOf(fake, d);
    expect(revisionOf(rs1!)).toBe('1');
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    const hash = rs1!.metadata.labels?.['pod-template-hash'];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs1!.metadata.name).toBe(`web-${hash}`);
    expect(rs1!.spec.selector?.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs1!.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      uid: d.metadata.uid,
      controller: true,
    });
    const pods = fake.list('Pod', 'prod', `pod-template-hash=${hash}`);
    expect(pods).toHaveLength(4);
    expect(pods[0]!.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs1!.metadata.name });

    const bounds = trackBounds('prod', d.metadata.uid!);
    await api.apps.patchNamespacedDeployment(
      {
        namespace: 'prod',
        name: 'web',
        body: {
          metadata: { annotations: { 'kubernetes.io/change-cause': 'deploy v2' } },
          spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.local/web:v2' }] } } },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    d = await fake.waitFor(() => {
      const x = fake.get<Deployment>('Deployment', 'prod', 'web');
      return x?.status?.observedGeneration === 2 &&
        (x.status.updatedReplicas ?? 0) === 4 &&
        x.status.replicas === 4 &&
        x.status.availableReplicas === 4
        ? x
        : undefined;
    });
    const seen = bounds.stop();
    expect(seen.maxTotal).toBe(5); // replicas + maxSurge, reached but never exceeded
    expect(seen.minAvailable).toBeGreaterThanOrEqual(4); // replicas - maxUnavailable
    expect(d.metadata.generation).toBe(2);
    let sets = replicaSetsOf(fake, d);
    expect(sets.map(revisionOf)).toEqual(['1', '2']);
    expect(sets.map((rs) => rs.spec.replicas)).toEqual([0, 4]);
    expect(sets[1]!.metadata.annotations?.['kubernetes.io/change-cause']).toBe('deploy v2');
    expect(sets[1]!.spec.template?.spec?.containers?.[0]?.image).toBe('registry.local/web:v2');
    expect(sets[1]!.spec.template?.spec?.containers?.[0]?.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);

    // kubectl rollout undo: the previous ReplicaSet's template without pod-template-hash
    const target = structuredClone(sets[0]!.spec.template!);
    delete target.metadata!.labels!['pod-template-hash'];
    await api.apps.patchNamespacedDeployment(
      { namespace: 'prod', name: 'web', body: [{ op: 'replace', path: '/spec/template', value: target }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    d = await fake.waitFor(() => {
      const x = fake.get<Deployment>('Deployment', 'prod', 'web');
      const s = x && replicaSetsOf(fake, x);
      return s &&
        s.length === 2 &&
        s[1]!.metadata.uid === sets[0]!.metadata.uid &&
        (s[1]!.status?.availableReplicas ?? 0) === 4 &&
        s[0]!.spec.replicas === 0 &&
        x.status?.replicas === 4
        ? x
        : undefined;
    });
    sets = replicaSetsOf(fake, d);
    expect(sets.map(revisionOf)).toEqual(['2', '3']);
    expect(sets[1]!.metadata.name).toBe(rs1!.metadata.name);
    expect(sets[1]!.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('scales 10 replicas with 25%/25% in steps bounded by 13 pods and 8 available', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'prod',
      body: deployment('api', 'api:v1', { replicas: 10 }) as k8s.V1Deployment,
    });
    const d = await waitRolledOut(fake, 'prod', 'api');
    const bounds = trackBounds('prod', d.metadata.uid!);
    await api.apps.patchNamespacedDeployment(
      {
        namespace: 'prod',
        name: 'api',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'api:v2' }] } } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    await fake.waitFor(() => {
      const x = fake.get<Deployment>('Deployment', 'prod', 'api');
      return (
        x?.status?.observedGeneration === 2 &&
        x.status.updatedReplicas === 10 &&
        x.status.replicas === 10 &&
        x.status.availableReplicas === 10
      );
    });
    const seen = bounds.stop();
    expect(seen.maxTotal).toBe(13);
    expect(seen.minAvailable).toBeGreaterThanOrEqual(8);
  });

  it('reports ProgressDeadlineExceeded for a pod that never becomes ready, counted in fake time', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'prod',
      body: deployment('stuck', 'stuck:neverready', {
        replicas: 2,
        spec: { progressDeadlineSeconds: 120 },
      }) as k8s.V1Deployment,
    });
    const progressing = () =>
      fake.get<Deployment>('Deployment', 'prod', 'stuck')?.status?.conditions?.find((c) => c.type === 'Progressing');
    await fake.waitFor(() => fake.get<Deployment>('Deployment', 'prod', 'stuck')?.status?.updatedReplicas === 2);
    expect(progressing()?.reason).not.toBe('ProgressDeadlineExceeded');
    fake.advance(121);
    const c = await fake.waitFor(() =>
      progressing()?.reason === 'ProgressDeadlineExceeded' ? progressing() : undefined,
    );
    expect(c).toMatchObject({
      status: 'False',
      message: expect.stringMatching(/^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/),
    });
    const d = fake.get<Deployment>('Deployment', 'prod', 'stuck')!;
    expect(d.status?.conditions?.find((x) => x.type === 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    });
    // zero counters are omitted, like the API server's omitempty
    expect(d.status).not.toHaveProperty('availableReplicas');
    expect(d.status).not.toHaveProperty('readyReplicas');
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 });
  });

  it('does not roll out a paused deployment but still observes its generation', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'prod',
      body: deployment('paused', 'paused:v1', { replicas: 1 }) as k8s.V1Deployment,
    });
    await waitRolledOut(fake, 'prod', 'paused');
    await api.apps.patchNamespacedDeployment(
      {
        namespace: 'prod',
        name: 'paused',
        body: { spec: { paused: true, template: { spec: { containers: [{ name: 'app', image: 'paused:v2' }] } } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const d = await fake.waitFor(() => {
      const x = fake.get<Deployment>('Deployment', 'prod', 'paused');
      return x?.status?.observedGeneration === 2 ? x : undefined;
    });
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
    });
    fake.advance(5);
    expect(replicaSetsOf(fake, d)).toHaveLength(1);
    expect(d.status?.updatedReplicas ?? 0).toBe(0);
  });

  it('Recreate scales the old ReplicaSet to zero before creating the new one', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'prod',
      body: deployment('batch', 'batch:v1', {
        replicas: 2,
        spec: { strategy: { type: 'Recreate' } },
      }) as k8s.V1Deployment,
    });
    const d = await waitRolledOut(fake, 'prod', 'batch');
    let overlap = false;
    const unsubscribe = fake.cluster.store.subscribe((e) => {
      if (e.key !== 'apps/replicasets') return;
      const sets = replicaSetsOf(fake, d);
      if (sets.length === 2 && (sets[0]!.status?.replicas ?? 0) > 0 && (sets[1]!.spec.replicas ?? 0) > 0)
        overlap = true;
    });
    await api.apps.patchNamespacedDeployment(
      {
        namespace: 'prod',
        name: 'batch',
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'batch:v2' }],
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    await fake.waitFor(() => {
      const x = fake.get<Deployment>('Deployment', 'prod', 'batch');
      return (
        x?.status?.observedGeneration === 2 &&
        x.status.updatedReplicas === 2 &&
        x.status.availableReplicas === 2 &&
        x.status.replicas === 2
      );
    });
    unsubscribe();
    expect(overlap).toBe(false);
    expect(replicaSetsOf(fake, d).map(revisionOf)).toEqual(['1', '2']);
  });

  it('keeps at most revisionHistoryLimit old ReplicaSets', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'prod',
      body: deployment('hist', 'hist:v1', { replicas: 1, spec: { revisionHistoryLimit: 1 } }) as k8s.V1Deployment,
    });
    for (const tag of ['v2', 'v3', 'v4']) {
      await waitRolledOut(fake, 'prod', 'hist');
      await api.apps.patchNamespacedDeployment(
        {
          namespace: 'prod',
          name: 'hist',
          body: { spec: { template: { spec: { containers: [{ name: 'app', image: `hist:${tag}` }] } } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      );
    }
    const d = await fake.waitFor(() => {
      const x = fake.get<Deployment>('Deployment', 'prod', 'hist');
      return x &&
        x.status?.observedGeneration === 4 &&
        replicaSetsOf(fake, x).length === 2 &&
        (x.status.availableReplicas ?? 0) === 1 &&
        x.status.replicas === 1
        ? x
        : undefined;
    });
    expect(replicaSetsOf(fake, d).map(revisionOf)).toEqual(['3', '4']);
  });

  it('scales through the scale subresource and reports the selector', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'prod',
      body: deployment('scaled', 'scaled:v1', { replicas: 1 }) as k8s.V1Deployment,
    });
    await waitRolledOut(fake, 'prod', 'scaled');
    const scale = await api.apps.readNamespacedDeploymentScale({ namespace: 'prod', name: 'scaled' });
    expect(scale.spec?.replicas).toBe(1);
    expect(scale.status?.selector).toBe('app=scaled');
    await api.apps.replaceNamespacedDeploymentScale({
      namespace: 'prod',
      name: 'scaled',
      body: { metadata: { name: 'scaled' }, spec: { replicas: 3 } },
    });
    const d = await waitRolledOut(fake, 'prod', 'scaled');
    expect(d.status?.replicas).toBe(3);
    expect(replicaSetsOf(fake, d)).toHaveLength(1);
    expect(d.metadata.generation).toBe(2);
  });

  it('scales proportionally when replicas change in the middle of a rollout', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'prod',
      body: deployment('prop', 'prop:v1', {
        replicas: 4,
        spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
      }) as k8s.V1Deployment,
    });
    let d = await waitRolledOut(fake, 'prod', 'prop');
    await api.apps.patchNamespacedDeployment(
      {
        namespace: 'prod',
        name: 'prop',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'prop:neverready' }] } } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    await fake.waitFor(() => {
      const sets = replicaSetsOf(fake, d);
      return sets.length === 2 && sets[0]!.spec.replicas === 4 && sets[1]!.spec.replicas === 1;
    });
    await api.apps.patchNamespacedDeploymentScale(
      { namespace: 'prod', name: 'prop', body: { spec: { replicas: 8 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    // allowed 8 + 1 surge = 9; old 4*9/5 = 7.2 -> 7, new 1*9/5 = 1.8 -> 2 (upstream GetProportion rounding)
    d = await fake.waitFor(() => {
      const x = fake.get<Deployment>('Deployment', 'prod', 'prop');
      const sets = x && replicaSetsOf(fake, x);
      return sets && sets[0]!.spec.replicas === 7 && sets[1]!.spec.replicas === 2 ? x : undefined;
    });
    expect(
      replicaSetsOf(fake, d).map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']),
    ).toEqual(['8', '8']);
    expect(
      replicaSetsOf(fake, d).map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas']),
    ).toEqual(['9', '9']);
  });

  it('deleting a Deployment garbage-collects its ReplicaSets and pods', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'prod',
      body: deployment('gone', 'gone:v1', { replicas: 2 }) as k8s.V1Deployment,
    });
    await waitRolledOut(fake, 'prod', 'gone');
    const status = await api.apps.deleteNamespacedDeployment({ namespace: 'prod', name: 'gone' });
    expect(status).toMatchObject({ status: 'Success' });
    await fake.waitFor(
      () =>
        fake.list('ReplicaSet', 'prod', 'app=gone').length === 0 && fake.list('Pod', 'prod', 'app=gone').length === 0,
      { what: 'garbage collection' },
    );
  });
});
