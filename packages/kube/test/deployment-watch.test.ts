import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { memoryLogger } from '@ralph-deploy/common';
import type { KubeApi, WatchSession } from '../src/client.js';
import { DeploymentWatcher } from '../src/deployment-watch.js';

function dep(rv: string, generation = 1): V1Deployment {
  return {
    metadata: { name: 'web', namespace: 'prod', resourceVersion: rv, generation },
    spec: { selector: {}, template: {} },
  };
}

type Script = (
  params: Record<string, unknown>,
  emit: (type: string, object: unknown) => void,
) => { end: unknown } | 'throw';

/** A KubeApi whose watches follow a script: each call gets the next entry. */
function scriptedApi(scripts: Script[]) {
  const calls: Record<string, unknown>[] = [];
  let gets = 0;
  const api = {
    gets: () => gets,
    calls,
    async readDeployment() {
      gets++;
      return dep(`get-${gets}`);
    },
    async watch(
      _path: string,
      params: Record<string, unknown>,
      onEvent: (t: string, o: unknown) => void,
    ): Promise<WatchSession> {
      calls.push(params);
      // Like the real watch, stop() ends the session (done settles with null).
      let stop: () => void = () => undefined;
      const stopped = new Promise<unknown>((resolve) => (stop = () => resolve(null)));
      const script = scripts[calls.length - 1];
      if (!script) return { done: stopped, stop };
      const r = script(params, onEvent);
      if (r === 'throw') throw Object.assign(new Error('Forbidden'), { statusCode: 403 });
      return { done: Promise.race([Promise.resolve(r.end), stopped]), stop };
    },
  } as unknown as KubeApi & { gets(): number; calls: Record<string, unknown>[] };
  return api;
}

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(predicate()).toBe(true);
}

describe('DeploymentWatcher', () => {
  it('resumes from the last resourceVersion after an idle timeout or a server close', async () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    const api = scriptedApi([
      (_p, emit) => {
        emit('MODIFIED', dep('11', 2));
        return { end: timeout };
      },
      (_p, emit) => {
        emit('BOOKMARK', { metadata: { resourceVersion: '15' } });
        return { end: null };
      },
    ]);
    const w = new DeploymentWatcher(api, 'prod', 'web', { log: memoryLogger() });
    await w.start();
    await until(() => api.calls.length >= 3);
    await w.stop();
    expect(api.calls.map((c) => c.resourceVersion)).toEqual(['get-1', '11', '15']);
    expect(api.calls[0]).toMatchObject({ fieldSelector: 'metadata.name=web', allowWatchBookmarks: true });
    expect(w.mode).toBe('watch');
  });

  it('re-reads the Deployment when the server says 410 Gone, then watches from the fresh version', async () => {
    const api = scriptedApi([
      (_p, emit) => {
        emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
        return { end: null };
      },
    ]);
    const w = new DeploymentWatcher(api, 'prod', 'web', { log: memoryLogger() });
    await w.start();
    await until(() => api.calls.length >= 2);
    await w.stop();
    expect(api.gets()).toBe(2);
    expect(api.calls[1]?.resourceVersion).toBe('get-2');
  });

  it('falls back to polling when the watch keeps failing, and then reads with GET', async () => {
    const api = scriptedApi(['throw', 'throw', 'throw'].map(() => () => 'throw' as const));
    const log = memoryLogger();
    const w = new DeploymentWatcher(api, 'prod', 'web', { log, maxWatchFailures: 3 });
    await w.start();
    await until(() => w.mode === 'poll');
    const before = api.gets();
    await w.current();
    await w.current();
    expect(api.gets()).toBe(before + 2);
    expect(log.lines.join('\n')).toMatch(/keeps failing \(Forbidden\); polling instead/);
    await w.stop();
  });

  it('serves the watched copy without extra GETs while the watch is healthy', async () => {
    const api = scriptedApi([
      (_p, emit) => {
        emit('MODIFIED', dep('20', 3));
        return { end: new Promise(() => undefined) };
      },
    ]);
    const w = new DeploymentWatcher(api, 'prod', 'web', { log: memoryLogger() });
    await w.start();
    await until(() => api.calls.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    const d = await w.current();
    expect(d.metadata?.resourceVersion).toBe('20');
    expect(api.gets()).toBe(1);
    await w.stop();
  });
});
