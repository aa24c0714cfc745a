import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { startKubeFake, type KubeFake } from './index.js';
import { clients } from './test-helpers.js';

let fake: KubeFake;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  fake = await startKubeFake({ timeScale: 50, tickMs: 10, namespaces: ['w'] });
  api = clients(fake);
});
afterAll(async () => {
  await fake.stop();
});

interface WatchEvent {
  type: string;
  object: {
    kind?: string;
    metadata: { name?: string; resourceVersion?: string };
    data?: Record<string, string>;
    code?: number;
    reason?: string;
  };
}

/** Read a watch stream with plain fetch until `count` events arrived (bounded by a timeout). */
async function readEvents(path: string, count: number, timeoutMs = 5000): Promise<WatchEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: WatchEvent[] = [];
  try {
    const response = await fetch(`${fake.url}${path}`, { signal: controller.signal });
    expect(response.status).toBe(200);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, newline)) as WatchEvent);
        buffer = buffer.slice(newline + 1);
        if (events.length >= count) return events;
      }
    }
    return events;
  } catch (e: unknown) {
    if (controller.signal.aborted) return events;
    throw e;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

const cm = (name: string, labels: Record<string, string> = { watched: 'yes' }) => ({
  metadata: { name, labels },
  data: { v: '1' },
});

describe('watch', () => {
  it('starts with ADDED for existing objects, then streams changes with resourceVersions', async () => {
    await api.core.createNamespacedConfigMap({ namespace: 'w', body: cm('first') });
    const pending = readEvents('/api/v1/namespaces/w/configmaps?watch=true&labelSelector=watched%3Dyes', 4);
    await new Promise((r) => setTimeout(r, 50));
    await api.core.createNamespacedConfigMap({ namespace: 'w', body: cm('second') });
    await api.core.patchNamespacedConfigMap(
      { namespace: 'w', name: 'second', body: { data: { v: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await api.core.deleteNamespacedConfigMap({ namespace: 'w', name: 'second' });
    const events = await pending;
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED first',
      'ADDED second',
      'MODIFIED second',
      'DELETED second',
    ]);
    expect(events[2]!.object.kind).toBe('ConfigMap');
    expect(events[2]!.object.data).toEqual({ v: '2' });
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
  });

  it('resumes from a resourceVersion without repeating what was seen, and leaving a selector is a DELETED', async () => {
    const created = await api.core.createNamespacedConfigMap({ namespace: 'w', body: cm('resume') });
    const from = created.metadata!.resourceVersion!;
    await api.core.patchNamespacedConfigMap(
      { namespace: 'w', name: 'resume', body: { data: { v: '3' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await api.core.patchNamespacedConfigMap(
      { namespace: 'w', name: 'resume', body: { metadata: { labels: { watched: 'no' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const events = await readEvents(
      `/api/v1/namespaces/w/configmaps?watch=1&labelSelector=watched%3Dyes&resourceVersion=${from}`,
      2,
    );
    expect(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.data?.v}`)).toEqual([
      'MODIFIED resume 3',
      'DELETED resume 3',
    ]);
  });

  it('answers a compacted resourceVersion with an ERROR event carrying 410 Expired', async () => {
    const created = await api.core.createNamespacedConfigMap({ namespace: 'w', body: cm('old') });
    await api.core.deleteNamespacedConfigMap({ namespace: 'w', name: 'old' });
    fake.compact(); // the DELETED event after `created` is gone from history
    const events = await readEvents(
      `/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${created.metadata!.resourceVersion}`,
      1,
    );
    expect(events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('sends bookmarks when allowWatchBookmarks is set', async () => {
    const quick = await startKubeFake({ timeScale: 1000, tickMs: 10, bookmarkIntervalSeconds: 60 });
    try {
      const response = await fetch(
        `${quick.url}/apis/apps/v1/deployments?watch=true&allowWatchBookmarks=true&resourceVersion=0`,
        { signal: AbortSignal.timeout(3000) },
      );
      const reader = response.body!.getReader();
      const { value } = await reader.read();
      const event = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!) as WatchEvent;
      expect(event).toMatchObject({
        type: 'BOOKMARK',
        object: { kind: 'Deployment', metadata: { resourceVersion: expect.any(String) } },
      });
      await reader.cancel();
    } finally {
      await quick.stop();
    }
  });

  it('is consumed by client-node Watch unchanged, with a field selector', async () => {
    const watch = new k8s.Watch(api.kc);
    const seen: string[] = [];
    let done: (value: unknown) => void = () => {};
    const finished = new Promise((resolve) => (done = resolve));
    const request = await watch.watch(
      '/api/v1/namespaces/w/configmaps',
      { fieldSelector: 'metadata.name=client' },
      (type, object: k8s.V1ConfigMap) => {
        seen.push(`${type} ${object.metadata?.name} ${object.data?.v}`);
        if (seen.length === 2) done(undefined);
      },
      () => done(undefined),
    );
    await api.core.createNamespacedConfigMap({ namespace: 'w', body: cm('other') });
    await api.core.createNamespacedConfigMap({ namespace: 'w', body: cm('client') });
    await api.core.patchNamespacedConfigMap(
      { namespace: 'w', name: 'client', body: { data: { v: '9' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await Promise.race([finished, new Promise((r) => setTimeout(r, 5000))]);
    request.abort();
    expect(seen).toEqual(['ADDED client 1', 'MODIFIED client 9']);
  });

  it('feeds a client-node informer (list, then watch from the list resourceVersion)', async () => {
    const informer = k8s.makeInformer(
      api.kc,
      '/api/v1/namespaces/w/configmaps',
      () => api.core.listNamespacedConfigMap({ namespace: 'w', labelSelector: 'informed=yes' }),
      'informed=yes',
    );
    const added: string[] = [];
    informer.on('add', (o: k8s.V1ConfigMap) => added.push(o.metadata!.name!));
    await api.core.createNamespacedConfigMap({ namespace: 'w', body: cm('inf-1', { informed: 'yes' }) });
    await informer.start();
    await api.core.createNamespacedConfigMap({ namespace: 'w', body: cm('inf-2', { informed: 'yes' }) });
    await api.core.createNamespacedConfigMap({ namespace: 'w', body: cm('inf-ignored', { informed: 'no' }) });
    await fake.waitFor(() => added.length >= 2, { what: 'informer adds' });
    await informer.stop();
    expect(added).toEqual(['inf-1', 'inf-2']);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['inf-1', 'inf-2']);
  });
});
