import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { startKubeFake, type KubeFake } from './index.js';
import { clients, deployment } from './test-helpers.js';

let fake: KubeFake;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  fake = await startKubeFake({ timeScale: 50, tickMs: 10, namespaces: ['apps'] });
  api = clients(fake);
});
afterAll(async () => {
  expect(fake.controllerErrors()).toEqual([]);
  await fake.stop();
});

// Responses are arbitrary JSON the assertions walk freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

async function raw(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

describe('errors are Kubernetes Status objects', () => {
  it('404 NotFound', async () => {
    const r = await raw('GET', '/apis/apps/v1/namespaces/apps/deployments/nope');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
      code: 404,
    });
    await expect(api.core.readNamespacedConfigMap({ namespace: 'apps', name: 'nope' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('409 AlreadyExists and 409 Conflict on a stale resourceVersion', async () => {
    const cm = await api.core.createNamespacedConfigMap({
      namespace: 'apps',
      body: { metadata: { name: 'cfg' }, data: { a: '1' } },
    });
    const again = await raw('POST', '/api/v1/namespaces/apps/configmaps', { metadata: { name: 'cfg' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "cfg" already exists' });
    await api.core.replaceNamespacedConfigMap({ namespace: 'apps', name: 'cfg', body: { ...cm, data: { a: '2' } } });
    const stale = await raw('PUT', '/api/v1/namespaces/apps/configmaps/cfg', {
      metadata: { name: 'cfg', resourceVersion: cm.metadata!.resourceVersion },
      data: { a: '3' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('422 Invalid with causes', async () => {
    const bad = deployment('bad', 'x:v1');
    bad.spec.template!.metadata!.labels = { app: 'other' };
    const r = await raw('POST', '/apis/apps/v1/namespaces/apps/deployments', bad);
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.message).toMatch(
      /^Deployment\.apps "bad" is invalid: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`$/,
    );
    expect(r.body.details.causes[0]).toMatchObject({
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
    });
  });

  it('a namespace that does not exist is 404, and a bad label selector 400', async () => {
    expect((await raw('POST', '/api/v1/namespaces/ghost/configmaps', { metadata: { name: 'x' } })).body).toMatchObject({
      code: 404,
      message: 'namespaces "ghost" not found',
    });
    expect((await raw('GET', '/api/v1/namespaces/apps/pods?labelSelector=app%20in%20(a')).status).toBe(400);
  });
});

describe('objects', () => {
  it('create fills uid, resourceVersion, creationTimestamp, generation and defaults; spec changes bump generation, status/metadata ones do not', async () => {
    const d = await api.apps.createNamespacedDeployment({
      namespace: 'apps',
      body: deployment('gen', 'gen:v1', { replicas: 1 }) as k8s.V1Deployment,
    });
    expect(d.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.metadata?.generation).toBe(1);
    expect(d.spec?.revisionHistoryLimit).toBe(10);
    expect(d.spec?.progressDeadlineSeconds).toBe(600);
    expect(d.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
    const labelled = await api.apps.patchNamespacedDeployment(
      { namespace: 'apps', name: 'gen', body: { metadata: { labels: { extra: 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(labelled.metadata?.generation).toBe(1);
    expect(Number(labelled.metadata?.resourceVersion)).toBeGreaterThan(Number(d.metadata?.resourceVersion));
    const scaled = await api.apps.patchNamespacedDeployment(
      { namespace: 'apps', name: 'gen', body: { spec: { replicas: 2 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(scaled.metadata?.generation).toBe(2);
    const observed = await fake.waitFor(() => {
      const x = fake.get('Deployment', 'apps', 'gen') as { status?: { observedGeneration?: number } } | undefined;
      return x?.status?.observedGeneration === 2 ? x : undefined;
    });
    expect(observed.status?.observedGeneration).toBe(2);
    // writes to the main resource cannot change status
    const r = await raw(
      'PATCH',
      '/apis/apps/v1/namespaces/apps/deployments/gen',
      { status: { replicas: 99 } },
      'application/merge-patch+json',
    );
    expect(r.body.status.replicas).not.toBe(99);
  });

  it('lists with equality and set-based selectors, and pages with limit/continue', async () => {
    for (const [name, tier] of [
      ['a', 'front'],
      ['b', 'back'],
      ['c', 'front'],
      ['d', 'db'],
    ]) {
      await api.core.createNamespacedConfigMap({
        namespace: 'apps',
        body: { metadata: { name: `sel-${name}`, labels: { group: 'sel', tier: tier! } } },
      });
    }
    const names = async (labelSelector: string) =>
      (await api.core.listNamespacedConfigMap({ namespace: 'apps', labelSelector })).items.map((i) => i.metadata?.name);
    expect(await names('group=sel,tier=front')).toEqual(['sel-a', 'sel-c']);
    expect(await names('group=sel,tier in (back,db)')).toEqual(['sel-b', 'sel-d']);
    expect(await names('group=sel,tier notin (front),tier!=db')).toEqual(['sel-b']);
    const page1 = await raw('GET', '/api/v1/namespaces/apps/configmaps?labelSelector=group%3Dsel&limit=3');
    expect(page1.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
      'sel-a',
      'sel-b',
      'sel-c',
    ]);
    expect(page1.body.metadata.remainingItemCount).toBe(1);
    const page2 = await raw(
      'GET',
      `/api/v1/namespaces/apps/configmaps?labelSelector=group%3Dsel&limit=3&continue=${page1.body.metadata.continue}`,
    );
    expect(page2.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['sel-d']);
    expect(page2.body.metadata.continue).toBeUndefined();
    expect(page1.body.items[0].kind).toBeUndefined(); // typed lists carry kind only at the top
    expect(page1.body.kind).toBe('ConfigMapList');
  });

  it('server-side apply through KubernetesObjectApi: discovery, create, update, conflict, force', async () => {
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'applied', namespace: 'apps' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'applied' } },
        template: {
          metadata: { labels: { app: 'applied' } },
          spec: { containers: [{ name: 'app', image: 'applied:v1' }] },
        },
      },
    };
    const created = (await api.objects.patch(
      manifest,
      undefined,
      undefined,
      'deployer',
      true,
      k8s.PatchStrategy.ServerSideApply,
    )) as k8s.V1Deployment;
    expect(created.metadata?.generation).toBe(1);
    expect(created.metadata?.managedFields?.[0]).toMatchObject({ manager: 'deployer', operation: 'Apply' });
    // someone else scales it with an Update
    await api.apps.patchNamespacedDeployment(
      { namespace: 'apps', name: 'applied', body: { spec: { replicas: 5 } }, fieldManager: 'kubectl-scale' },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const conflict = await raw(
      'PATCH',
      '/apis/apps/v1/namespaces/apps/deployments/applied?fieldManager=deployer',
      manifest,
      'application/apply-patch+yaml',
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
    );
    expect(conflict.body.details.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-scale" using apps/v1',
        field: '.spec.replicas',
      },
    ]);
    const forced = (await api.objects.patch(
      {
        ...manifest,
        spec: {
          ...manifest.spec,
          template: { ...manifest.spec.template, spec: { containers: [{ name: 'app', image: 'applied:v2' }] } },
        },
      },
      undefined,
      undefined,
      'deployer',
      true,
      k8s.PatchStrategy.ServerSideApply,
    )) as k8s.V1Deployment;
    expect(forced.spec?.replicas).toBe(2);
    expect(forced.spec?.template.spec?.containers[0]?.image).toBe('applied:v2');
    expect(forced.metadata?.generation).toBe(3);
    const yamlBody = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n';
    const fromYaml = await raw(
      'PATCH',
      '/api/v1/namespaces/apps/configmaps/from-yaml?fieldManager=deployer',
      yamlBody,
      'application/apply-patch+yaml',
    );
    expect(fromYaml.status).toBe(201);
    expect(fromYaml.body.data).toEqual({ k: 'v' });
    const noManager = await raw(
      'PATCH',
      '/api/v1/namespaces/apps/configmaps/from-yaml',
      yamlBody,
      'application/apply-patch+yaml',
    );
    expect(noManager.status).toBe(422);
  });

  it('serves discovery for core, groups and custom resources created from a CRD', async () => {
    const versions = await raw('GET', '/api');
    expect(versions.body.versions).toEqual(['v1']);
    const apps = await raw('GET', '/apis/apps/v1');
    expect(apps.body.resources.find((r: { name: string }) => r.name === 'deployments')).toMatchObject({
      kind: 'Deployment',
      namespaced: true,
    });
    expect(apps.body.resources.find((r: { name: string }) => r.name === 'deployments/scale')).toMatchObject({
      kind: 'Scale',
      group: 'autoscaling',
    });
    const version = await api.kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toMatch(/kube-fake/);
    await raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
        versions: [{ name: 'v1', served: true, storage: true }],
      },
    });
    const widget = await api.objects.patch(
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w1', namespace: 'apps' },
        spec: { size: 3 },
      } as k8s.KubernetesObject,
      undefined,
      undefined,
      'deployer',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect(widget.metadata?.uid).toBeDefined();
    const list = await api.objects.list('example.com/v1', 'Widget', 'apps');
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['w1']);
    const smp = await raw(
      'PATCH',
      '/apis/example.com/v1/namespaces/apps/widgets/w1',
      { spec: { size: 4 } },
      'application/strategic-merge-patch+json',
    );
    expect(smp.status).toBe(415);
  });
});
