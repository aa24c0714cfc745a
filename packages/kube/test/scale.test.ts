import { describe, expect, it } from '@jest/globals';
import { memoryLogger } from '@ralph-deploy/common';
import { scaleDeployment, waitForDeploymentReady } from '../src/scale.js';
import { DoubleApi, byTag, crashLooping } from './double.js';

describe('scaleDeployment / waitForDeploymentReady', () => {
  it('sets spec.replicas with a merge patch and reports the previous count', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    const r = await scaleDeployment(api, 'prod', 'web', 5);
    expect(r).toMatchObject({ previousReplicas: 2, replicas: 5 });
    expect(api.patches).toEqual([{ type: 'merge', patch: { spec: { replicas: 5 } }, dryRun: false }]);
    await expect(scaleDeployment(api, 'prod', 'web', -1)).rejects.toThrow(
      /Cannot scale deployment prod\/web to -1 replicas/,
    );
  });

  it('resolves when kubectl would say "successfully rolled out" and times out with the last status otherwise', async () => {
    const log = memoryLogger();
    const d = await waitForDeploymentReady(new DoubleApi('acme/web:1', byTag), 'prod', 'web', {
      timeoutMs: 5_000,
      log,
    });
    expect(d.status?.availableReplicas).toBe(2);
    expect(log.lines).toContain('info: deployment "web" successfully rolled out');
    await expect(
      waitForDeploymentReady(new DoubleApi('acme/web:1', () => crashLooping), 'prod', 'web', { timeoutMs: 300, log }),
    ).rejects.toThrow(
      /Deployment prod\/web was not ready within 300ms: Waiting for deployment "web" rollout to finish: 0 of 2 updated replicas are available/,
    );
  });
});
