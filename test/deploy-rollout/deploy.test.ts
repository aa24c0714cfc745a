import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { KubeFake } from '../kube-fake/index.js';
import {
  annotationsOf,
  imageOf,
  readReport,
  runDeployRollout,
  seedDeployment,
  startCluster,
  startGithubStandIn,
  startHealthServer,
} from './fixtures.js';

// Each case runs the bundled action in a child process against the fake, some several times.
jest.setTimeout(300_000);

let fake: KubeFake;
beforeAll(async () => {
  fake = await startCluster();
});
afterAll(async () => {
  await fake.stop();
});

describe('deploy-rollout deploy against the Kubernetes API fake', () => {
  it('rolls out a good image, records the change-cause and reports the revisions', async () => {
    await seedDeployment(fake, 'good', 'acme/web:v1');
    const r = await runDeployRollout(
      fake,
      { deployment: 'good', image: 'acme/web:v2' },
      {
        env: {
          GITHUB_ACTOR: 'octocat',
          GITHUB_SHA: 'abcdef1234567890',
          GITHUB_REPOSITORY: 'acme/web',
          GITHUB_RUN_ID: '77',
        },
      },
    );
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      result: 'succeeded',
      revision: '2',
      'previous-revision': '1',
      'rolled-back': 'false',
      'detection-seconds': '',
    });
    expect(imageOf(fake, 'good')).toBe('acme/web:v2');
    expect(annotationsOf(fake, 'good')['kubernetes.io/change-cause']).toBe(
      'ralph-deploy: app=acme/web:v2 by octocat, commit abcdef123456, run https://github.com/acme/web/actions/runs/77',
    );
    expect(r.summary).toContain('deploy-rollout deploy: prod/good succeeded');
    expect(r.summary).toContain('### Timeline');
    expect(r.summary).toMatch(/\| good-[a-z0-9]+-[a-z0-9]+ \| 1\/1 \| Running \| 0 \|/);
    expect(readReport(r)).toMatchObject({ result: 'succeeded', revision: 2, previousRevision: 1 });
  });

  const failures: [string, string, Record<string, string>, RegExp][] = [
    ['CrashLoopBackOff', 'acme/web:crashloop', {}, /CrashLoopBackOff/],
    ['ImagePullBackOff', 'acme/web:badpull', {}, /ErrImagePull|ImagePullBackOff/],
    ['OOMKilled', 'acme/web:oom', {}, /OOMKilled/],
    [
      'CreateContainerConfigError',
      'acme/web:configerror',
      {},
      /CreateContainerConfigError \(secret "app-secrets" not found\)/,
    ],
    [
      'NotReady',
      'acme/web:neverready',
      { 'ready-timeout': '3s' },
      /not ready \d+s after it appeared \(ready-timeout 3s\)/,
    ],
  ];
  it.each(failures)(
    'detects %s, rolls back to the previous revision and exits non-zero',
    async (kind, image, inputs, reason) => {
      const name = `f-${kind.toLowerCase()}`;
      await seedDeployment(fake, name, 'acme/web:v1');
      const r = await runDeployRollout(fake, { deployment: name, image, ...inputs });
      expect(r.exitCode).toBe(1);
      expect(r.outputs.result).toBe('rolled-back');
      expect(r.outputs['rolled-back']).toBe('true');
      expect(r.outputs['previous-revision']).toBe('1');
      expect(Number(r.outputs['detection-seconds'])).toBeGreaterThanOrEqual(0);
      expect(r.errors.at(-1)).toMatch(
        new RegExp(
          `^Rolled back to revision 1 after ${kind === 'ImagePullBackOff' ? '(ImagePullBackOff|ErrImagePull)' : kind}: `,
        ),
      );
      expect(r.errors.at(-1)).toMatch(reason);
      expect(imageOf(fake, name)).toBe('acme/web:v1');
      expect(r.summary).toContain('ROLLED BACK');
      expect(r.summary).toContain('### Rollback');
      expect(r.summary).toMatch(/revision 2 → 1 \(rollout undo\)/);
      const report = readReport(r) as { failure: { kind: string }; rollback: { ok: boolean; toRevision: number } };
      expect(report.rollback).toMatchObject({ ok: true, toRevision: 1 });
    },
  );

  it('treats ProgressDeadlineExceeded as a failure (kubectl semantics) and rolls back', async () => {
    await seedDeployment(fake, 'deadline', 'acme/web:v1', { progressDeadlineSeconds: 4 });
    const r = await runDeployRollout(fake, {
      deployment: 'deadline',
      image: 'acme/web:neverready',
      'ready-timeout': '10m',
    });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.result).toBe('rolled-back');
    expect(r.errors.at(-1)).toMatch(
      /after ProgressDeadlineExceeded: deployment "deadline" exceeded its progress deadline/,
    );
    expect(imageOf(fake, 'deadline')).toBe('acme/web:v1');
  });

  it('rolls back when the health URL fails during the rollout', async () => {
    // The service answers 503 while the new version is live, 200 once the old one is back.
    const health = await startHealthServer(() => (imageOf(fake, 'unhealthy') === 'acme/web:v2' ? 503 : 200));
    try {
      await seedDeployment(fake, 'unhealthy', 'acme/web:v1');
      const r = await runDeployRollout(fake, {
        deployment: 'unhealthy',
        image: 'acme/web:v2',
        'health-url': health.url,
        'verify-duration': '3s',
      });
      expect(r.exitCode).toBe(1);
      expect(r.outputs.result).toBe('rolled-back');
      expect(r.errors.at(-1)).toMatch(/after HealthCheck: health check failed 3 times in a row: unexpected status 503/);
      expect(health.hits).toBeGreaterThanOrEqual(3);
      expect(imageOf(fake, 'unhealthy')).toBe('acme/web:v1');
    } finally {
      await health.stop();
    }
  });

  it('keeps the broken version with auto-rollback false and fails with result failed', async () => {
    await seedDeployment(fake, 'norollback', 'acme/web:v1');
    const r = await runDeployRollout(fake, {
      deployment: 'norollback',
      image: 'acme/web:crashloop',
      'auto-rollback': false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.outputs).toMatchObject({ result: 'failed', 'rolled-back': 'false' });
    expect(r.errors.at(-1)).toMatch(/auto-rollback is off/);
    expect(imageOf(fake, 'norollback')).toBe('acme/web:crashloop');
  });

  it('refuses a paused Deployment and changes nothing', async () => {
    await seedDeployment(fake, 'paused', 'acme/web:v1', { paused: true });
    const before = fake.requests().length;
    const r = await runDeployRollout(fake, { deployment: 'paused', image: 'acme/web:v2' });
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toMatch(/^Deployment prod\/paused is paused \(spec\.paused: true\); nothing was changed/);
    expect(
      fake
        .requests()
        .slice(before)
        .filter((q) => q.method !== 'GET'),
    ).toEqual([]);
    expect(imageOf(fake, 'paused')).toBe('acme/web:v1');
  });

  it('names namespace and name when the Deployment does not exist', async () => {
    const r = await runDeployRollout(fake, { deployment: 'nope', image: 'acme/web:v2' });
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toMatch(/^Deployment "nope" not found in namespace "prod"/);
    expect(r.log).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('retries API faults (429 with Retry-After, 500, 409, a dropped connection) and still completes', async () => {
    await seedDeployment(fake, 'faulty', 'acme/web:v1');
    fake.injectFault({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/prod/deployments/faulty',
      status: 429,
      retryAfterSeconds: 1,
      times: 2,
    });
    fake.injectFault({
      method: 'GET',
      path: '/apis/apps/v1/namespaces/prod/deployments/faulty',
      status: 500,
      times: 1,
    });
    fake.injectFault({ method: 'GET', path: '/apis/apps/v1/namespaces/prod/replicasets', status: 409, times: 1 });
    fake.injectFault({ method: 'GET', path: '/api/v1/namespaces/prod/pods', reset: true, times: 1 });
    const r = await runDeployRollout(fake, { deployment: 'faulty', image: 'acme/web:v2' });
    fake.clearFaults();
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.result).toBe('succeeded');
    expect(r.log).toMatch(/retry: PATCH deployment prod\/faulty failed \(attempt 1\/5\): 429 .*\(Retry-After 1s\)/);
    expect(r.log).toMatch(/retry: GET deployment prod\/faulty failed \(attempt 1\/5\): 500/);
    expect(r.log).toMatch(/retry: LIST replicasets prod .*409/);
    expect(r.log).toMatch(/retry: LIST pods prod/);
    expect(imageOf(fake, 'faulty')).toBe('acme/web:v2');
  });

  it('rolls back when the job is cancelled (SIGTERM) in the middle of the rollout', async () => {
    await seedDeployment(fake, 'cancelled', 'acme/web:v1');
    const r = await runDeployRollout(
      fake,
      { deployment: 'cancelled', image: 'acme/web:neverready', 'ready-timeout': '10m' },
      { signal: { name: 'SIGTERM', when: (out) => out.includes('rollout: new ReplicaSet') } },
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.outputs.result).toBe('rolled-back');
    expect(r.errors.at(-1)).toMatch(/after Cancelled: deploy-rollout was cancelled \(SIGTERM\)/);
    expect(imageOf(fake, 'cancelled')).toBe('acme/web:v1');
  });

  it('server-side applies manifests with image substitution, and rejects a bad manifest at file:line changing nothing', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    await seedDeployment(fake, 'manifested', 'acme/web:v1');
    const workspace = mkdtempSync(join(tmpdir(), 'dr-ws-'));
    mkdirSync(join(workspace, 'k8s'));
    writeFileSync(
      join(workspace, 'k8s', 'app.yaml'),
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: manifested-config
data:
  LOG_LEVEL: info
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: manifested
  labels: { app: manifested }
spec:
  replicas: 2
  selector: { matchLabels: { app: manifested } }
  template:
    metadata: { labels: { app: manifested } }
    spec:
      containers:
        - name: app
          image: acme/web:v1
        - name: worker
          image: acme/worker:v1
`,
    );
    const r = await runDeployRollout(
      fake,
      { deployment: 'manifested', manifests: 'k8s', container: 'app', image: 'acme/web:v3', images: 'acme/worker=:v7' },
      { cwd: workspace },
    );
    expect(r.errors).toEqual([]);
    expect(r.outputs.result).toBe('succeeded');
    expect(fake.get('ConfigMap', 'prod', 'manifested-config')).toBeDefined();
    const d = fake.get('Deployment', 'prod', 'manifested') as unknown as {
      spec: { template: { spec: { containers: { name: string; image: string }[] } } };
      metadata: { managedFields?: { manager: string }[] };
    };
    expect(d.spec.template.spec.containers.map((c) => c.image)).toEqual(['acme/web:v3', 'acme/worker:v7']);
    expect(annotationsOf(fake, 'manifested')['kubernetes.io/change-cause']).toMatch(
      /^ralph-deploy: worker=acme\/worker:v7, app=acme\/web:v3/,
    );
    expect(r.summary).toMatch(/2 object\(s\) applied/);

    writeFileSync(
      join(workspace, 'k8s', 'broken.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n---\napiVersion: v1\nmetadata:\n  name: kindless\n`,
    );
    const before = fake.requests().length;
    const bad = await runDeployRollout(fake, { deployment: 'manifested', manifests: 'k8s' }, { cwd: workspace });
    expect(bad.exitCode).toBe(1);
    expect(bad.errors.at(-1)).toBe('k8s/broken.yaml:6:1: the object has no kind');
    expect(bad.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', file: 'k8s/broken.yaml', line: 6 }),
    );
    expect(fake.requests().length).toBe(before);
    expect(fake.get('ConfigMap', 'prod', 'fine')).toBeUndefined();
  });

  it('creates a GitHub Deployment with in_progress and success statuses and the environment URL', async () => {
    const github = await startGithubStandIn();
    try {
      await seedDeployment(fake, 'gh', 'acme/web:v1');
      const r = await runDeployRollout(
        fake,
        {
          deployment: 'gh',
          image: 'acme/web:v2',
          'github-token': 'ghs_secret_token_value',
          'environment-url': 'https://app.example.com',
          environment: 'production',
        },
        {
          env: {
            GITHUB_API_URL: github.url,
            GITHUB_REPOSITORY: 'acme/web',
            GITHUB_SHA: 'abcdef1234567890',
            GITHUB_RUN_ID: '9',
          },
        },
      );
      expect(r.errors).toEqual([]);
      expect(r.log).not.toContain('ghs_secret_token_value');
      const created = github.requests.find((q) => q.url === '/repos/acme/web/deployments');
      expect(created?.body).toMatchObject({ ref: 'abcdef1234567890', environment: 'production', auto_merge: false });
      const states = github.requests
        .filter((q) => q.url.endsWith('/statuses'))
        .map((q) => q.body as { state: string; environment_url?: string });
      expect(states.map((s) => s.state)).toEqual(['in_progress', 'success']);
      expect(states[1]?.environment_url).toBe('https://app.example.com');
    } finally {
      await github.stop();
    }
  });
});
