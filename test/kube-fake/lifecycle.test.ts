import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startKubeFake, type KubeFake } from './index.js';
import { clients, deployment, waitRolledOut } from './test-helpers.js';

let fake: KubeFake;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  fake = await startKubeFake({ timeScale: 50, tickMs: 10, namespaces: ['doomed', 'keep'] });
  api = clients(fake);
});
afterAll(async () => {
  expect(fake.controllerErrors()).toEqual([]);
  await fake.stop();
});

describe('object lifecycle', () => {
  it('a deleted namespace is Terminating, refuses new content, empties itself and goes away', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'doomed',
      body: deployment('web', 'web:v1', { replicas: 2 }) as k8s.V1Deployment,
    });
    await waitRolledOut(fake, 'doomed', 'web');
    // a finalizer on its content holds the namespace in Terminating until it is released
    await api.core.createNamespacedConfigMap({
      namespace: 'doomed',
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } },
    });
    const deleted = await api.core.deleteNamespace({ name: 'doomed' });
    expect(deleted).toMatchObject({ status: { phase: 'Terminating' } });
    await expect(
      api.core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } }),
    ).rejects.toMatchObject({ code: 403 });
    await fake.waitFor(() => fake.list('Pod', 'doomed').length === 0, { what: 'pods of the namespace deleted' });
    expect(fake.get('Namespace', undefined, 'doomed')?.status).toEqual({ phase: 'Terminating' });
    await api.core.patchNamespacedConfigMap(
      { namespace: 'doomed', name: 'held', body: { metadata: { finalizers: null } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await fake.waitFor(() => fake.get('Namespace', undefined, 'doomed') === undefined, { what: 'namespace removal' });
    expect(fake.list('Pod', 'doomed')).toEqual([]);
    await expect(api.core.deleteNamespace({ name: 'default' })).rejects.toMatchObject({ code: 403 });
  });

  it('finalizers hold an object until they are removed', async () => {
    await api.core.createNamespacedConfigMap({
      namespace: 'keep',
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } },
    });
    // the API answers with the object being deleted (client-node types it as a Status, so read it raw)
    const response = await fetch(`${fake.url}/api/v1/namespaces/keep/configmaps/held`, { method: 'DELETE' });
    expect(await response.json()).toMatchObject({
      kind: 'ConfigMap',
      metadata: { name: 'held', deletionTimestamp: expect.any(String) },
    });
    expect(fake.get('ConfigMap', 'keep', 'held')).toBeDefined();
    await api.core.patchNamespacedConfigMap(
      { namespace: 'keep', name: 'held', body: { metadata: { finalizers: null } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(fake.get('ConfigMap', 'keep', 'held')).toBeUndefined();
  });

  it('orphan propagation keeps the ReplicaSets of a deleted Deployment', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'keep',
      body: deployment('orphan', 'orphan:v1', { replicas: 1 }) as k8s.V1Deployment,
    });
    await waitRolledOut(fake, 'keep', 'orphan');
    await api.apps.deleteNamespacedDeployment({ namespace: 'keep', name: 'orphan', propagationPolicy: 'Orphan' });
    fake.advance(5);
    const sets = fake.list('ReplicaSet', 'keep', 'app=orphan');
    expect(sets).toHaveLength(1);
    expect(sets[0]!.metadata.ownerReferences).toBeUndefined();
  });

  it('foreground propagation keeps the Deployment until its ReplicaSets and pods are gone', async () => {
    await api.apps.createNamespacedDeployment({
      namespace: 'keep',
      body: deployment('fg', 'fg:v1', { replicas: 2 }) as k8s.V1Deployment,
    });
    await waitRolledOut(fake, 'keep', 'fg');
    await api.apps.deleteNamespacedDeployment({ namespace: 'keep', name: 'fg', propagationPolicy: 'Foreground' });
    const during = fake.get('Deployment', 'keep', 'fg');
    expect(during?.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(during?.metadata.deletionTimestamp).toBeDefined();
    await fake.waitFor(() => fake.get('Deployment', 'keep', 'fg') === undefined, { what: 'foreground deletion' });
    expect(fake.list('ReplicaSet', 'keep', 'app=fg')).toEqual([]);
    expect(fake.list('Pod', 'keep', 'app=fg')).toEqual([]);
  });

  it('dryRun=All validates without storing', async () => {
    const created = await api.core.createNamespacedConfigMap({
      namespace: 'keep',
      body: { metadata: { name: 'dry' } },
      dryRun: 'All',
    });
    expect(created.metadata?.name).toBe('dry');
    expect(fake.get('ConfigMap', 'keep', 'dry')).toBeUndefined();
  });

  it('requires the bearer token when started with one', async () => {
    const secured = await startKubeFake({ token: 's3cret' });
    try {
      expect((await fetch(`${secured.url}/api/v1/namespaces`)).status).toBe(401);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(secured.kubeconfigPath);
      const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
      expect(list.items.map((n) => n.metadata?.name)).toContain('default');
    } finally {
      await secured.stop();
    }
  });
});

describe('command line', () => {
  it('prints its URL as a simulator and serves the kubeconfig it wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-fake-cli-'));
    const kubeconfig = join(dir, 'config.yaml');
    const child = spawn(
      join(process.cwd(), 'node_modules/.bin/tsx'),
      ['test/kube-fake/cli.ts', '--port', '0', '--kubeconfig', kubeconfig, '--namespace', 'rehearsal'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no output: ${out}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(out.split('\n')[0]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(firstLine).toMatch(
        /^kube-fake \(Kubernetes API simulator for tests, not a real cluster\) listening on http:\/\/127\.0\.0\.1:\d+$/,
      );
      expect(readFileSync(kubeconfig, 'utf8')).toContain('insecure-skip-tls-verify: true');
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kubeconfig);
      const ns = await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'rehearsal' });
      expect(ns.status?.phase).toBe('Active');
    } finally {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad option with one line and a non-zero exit', () => {
    let error: { status?: number; stderr?: Buffer } = {};
    try {
      execFileSync(join(process.cwd(), 'node_modules/.bin/tsx'), ['test/kube-fake/cli.ts', '--time-scale', 'fast'], {
        stdio: 'pipe',
      });
    } catch (e: unknown) {
      error = e as typeof error;
    }
    expect(error.status).toBe(2);
    expect(error.stderr?.toString()).toBe('kube-fake: --time-scale must be a non-negative number, got "fast"\n');
  });
});
