import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { startKubeFake, type KubeFake } from './index.js';
import { clients } from './test-helpers.js';

let fake: KubeFake;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  fake = await startKubeFake({ timeScale: 50, tickMs: 10 });
  api = clients(fake);
  await api.core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'target' }, data: { a: '1' } },
  });
});
afterAll(async () => {
  await fake.stop();
});

const read = () => api.core.readNamespacedConfigMap({ namespace: 'default', name: 'target' });

describe('fault injection', () => {
  it('answers the next N matching requests with 429 and Retry-After, then serves normally', async () => {
    fake.injectFault({
      method: 'GET',
      path: '/api/v1/namespaces/*/configmaps/target',
      status: 429,
      retryAfterSeconds: 3,
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${fake.url}/api/v1/namespaces/default/configmaps/target`);
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('3');
      expect(await response.json()).toMatchObject({
        kind: 'Status',
        reason: 'TooManyRequests',
        code: 429,
        details: { retryAfterSeconds: 3 },
      });
    }
    expect((await read()).data).toEqual({ a: '1' });
    expect(
      fake
        .requests()
        .filter((r) => r.fault)
        .map((r) => r.status),
    ).toEqual([429, 429]);
  });

  it('fails only the matching method: a 409 on PATCH leaves GET alone, and client-node sees the code', async () => {
    fake.injectFault({ method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/*', status: 409 });
    await expect(read()).resolves.toBeDefined();
    const patch = () =>
      api.core.patchNamespacedConfigMap(
        { namespace: 'default', name: 'target', body: { data: { a: '2' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    await expect(patch()).rejects.toMatchObject({ code: 409 });
    expect((await read()).data).toEqual({ a: '1' });
    expect((await patch()).data).toEqual({ a: '2' });
  });

  it('500s carry an InternalError Status; delays and dropped connections are possible; control endpoint works', async () => {
    const response = await fetch(`${fake.url}/_fake/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/api/v1/namespaces/default/configmaps/target', status: 500 }),
    });
    expect(response.status).toBe(200);
    await expect(read()).rejects.toMatchObject({ code: 500 });
    fake.injectFault({ path: '/api/v1/namespaces/default/configmaps/target', delayMs: 200 });
    const before = fake.requests().length;
    await expect(read()).resolves.toBeDefined();
    expect(fake.requests()[before]?.fault).toBeDefined();
    fake.injectFault({ path: '/api/v1/namespaces/default/configmaps/target', reset: true });
    await expect(fetch(`${fake.url}/api/v1/namespaces/default/configmaps/target`)).rejects.toThrow();
    const invalid = await fetch(`${fake.url}/_fake/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/x' }),
    });
    expect(invalid.status).toBe(400);
  });
});
