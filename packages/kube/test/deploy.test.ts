import { describe, expect, it } from '@jest/globals';
import { memoryLogger } from '@ralph-deploy/common';
import { runDeploy, type DeploySettings } from '../src/deploy.js';
import { runRollback, runStatus } from '../src/modes.js';
import { CHANGE_CAUSE_ANNOTATION, revisionOf } from '../src/replicasets.js';
import { DoubleApi, byTag } from './double.js';

function settings(api: DoubleApi, over: Partial<DeploySettings> = {}): DeploySettings {
  return {
    api,
    log: memoryLogger(),
    namespace: 'prod',
    deployment: 'web',
    signal: new AbortController().signal,
    timeoutMs: 20_000,
    readyTimeoutMs: 10_000,
    maxRestarts: 2,
    verifyMs: 0,
    autoRollback: true,
    dryRun: false,
    graceMs: 5_000,
    actor: 'by @octocat, commit abc1234',
    pollIntervalMs: 10,
    manifests: [],
    cwd: process.cwd(),
    ...over,
  };
}

describe('runDeploy against an in-memory double', () => {
  it('sets the image, records the change-cause and succeeds when the pods become ready', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    const report = await runDeploy(settings(api, { image: 'acme/web:2' }));
    expect(report.result).toBe('succeeded');
    expect(report.previousRevision).toBe(1);
    expect(report.revision).toBe(2);
    expect(report.rolledBack).toBe(false);
    expect(api.deployment.spec?.template.spec?.containers[0]?.image).toBe('acme/web:2');
    expect(api.deployment.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION]).toBe(
      'ralph-deploy: web=acme/web:2 by @octocat, commit abc1234',
    );
    expect(api.patches[0]?.type).toBe('strategic');
  });

  it('detects CrashLoopBackOff and rolls back to the revision live before the deploy', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    const report = await runDeploy(settings(api, { image: 'acme/web:bad' }));
    expect(report.result).toBe('rolled-back');
    expect(report.failure?.kind).toBe('CrashLoopBackOff');
    expect(report.rollback).toMatchObject({ fromRevision: 2, toRevision: 1, action: 'patch', ok: true });
    expect(report.detectionSeconds).toBeGreaterThanOrEqual(0);
    expect(api.deployment.spec?.template.spec?.containers[0]?.image).toBe('acme/web:1');
    // The restored ReplicaSet gets a new, higher revision (as the controller does).
    expect(revisionOf(api.deployment)).toBe(3);
    const undo = api.patches.at(-1);
    expect(undo?.type).toBe('json');
    expect(JSON.stringify(undo?.patch)).not.toContain('pod-template-hash');
  });

  it('keeps the new version when auto-rollback is off, and says so', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    const report = await runDeploy(settings(api, { image: 'acme/web:bad', autoRollback: false }));
    expect(report.result).toBe('failed');
    expect(report.message).toMatch(/auto-rollback is off/);
    expect(api.deployment.spec?.template.spec?.containers[0]?.image).toBe('acme/web:bad');
  });

  it('refuses a paused Deployment and changes nothing', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    api.deployment.spec!.paused = true;
    await expect(runDeploy(settings(api, { image: 'acme/web:2' }))).rejects.toThrow(/is paused/);
    expect(api.patches).toHaveLength(0);
  });

  it('names the container input when the pod has several containers', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    api.deployment.spec!.template.spec!.containers.push({ name: 'sidecar', image: 'envoy:1' });
    await expect(runDeploy(settings(api, { image: 'acme/web:2' }))).rejects.toThrow(
      /Input 'container': .* has 2 containers \(web, sidecar\)/,
    );
    await expect(runDeploy(settings(api, { image: 'acme/web:2', container: 'api' }))).rejects.toThrow(
      /no container "api" \(it has: web, sidecar\)/,
    );
  });

  it('rolls back when the run is aborted mid-rollout (SIGTERM), within the grace period', async () => {
    const api = new DoubleApi('acme/web:1', (image) => (image.endsWith(':slow') ? () => undefined : byTag(image)));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deploy-rollout was cancelled (SIGTERM)')), 100);
    const report = await runDeploy(settings(api, { image: 'acme/web:slow', signal: controller.signal }));
    expect(report.failure?.kind).toBe('Cancelled');
    expect(report.result).toBe('rolled-back');
    expect(api.deployment.spec?.template.spec?.containers[0]?.image).toBe('acme/web:1');
  });

  it('does not roll back a dry run: it patches with dryRun and reports the plan', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    const report = await runDeploy(settings(api, { image: 'acme/web:2', dryRun: true }));
    expect(report.result).toBe('succeeded');
    expect(report.message).toMatch(/^dry run: web: acme\/web:1 -> acme\/web:2/);
    expect(api.patches.every((p) => p.dryRun)).toBe(true);
    expect(api.deployment.spec?.template.spec?.containers[0]?.image).toBe('acme/web:1');
  });
});

describe('modes', () => {
  it('rollback: undoes to the previous revision by default, and to-revision picks another', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    await runDeploy(settings(api, { image: 'acme/web:2' }));
    await runDeploy(settings(api, { image: 'acme/web:3' }));
    const undo = await runRollback({ ...settings(api), toRevision: 0 });
    expect(undo.result).toBe('rolled-back');
    expect(undo.rollback).toMatchObject({ fromRevision: 3, toRevision: 2 });
    expect(api.deployment.spec?.template.spec?.containers[0]?.image).toBe('acme/web:2');
    const toOne = await runRollback({ ...settings(api), toRevision: 1 });
    expect(toOne.rollback?.toRevision).toBe(1);
    expect(api.deployment.spec?.template.spec?.containers[0]?.image).toBe('acme/web:1');
  });

  it('rollback: names the revisions there are when to-revision does not exist', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    await expect(runRollback({ ...settings(api), toRevision: 7 })).rejects.toThrow(/has no revision 7 \(it has: 1\)/);
  });

  it('status: reports success for a complete rollout and the failure for a crash-looping one', async () => {
    const api = new DoubleApi('acme/web:1', byTag);
    expect((await runStatus(settings(api))).result).toBe('succeeded');
    await runDeploy(settings(api, { image: 'acme/web:bad', autoRollback: false }));
    const status = await runStatus(settings(api));
    expect(status.result).toBe('failed');
    expect(status.failure?.kind).toBe('CrashLoopBackOff');
  });
});
