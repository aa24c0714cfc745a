// Rollout failure-detection benchmark: a crash-looping image in the Kubernetes API fake at real time
// scale, deployed with deploy-rollout's DEFAULT settings; measures, from the fake's own events, the
// time from the first pod failure to the rollback being issued, beside what `kubectl rollout status`
// would take with the default 600 s progress deadline. Usage (from the repo root):
//   pnpm build deploy-rollout && pnpm exec tsx bench/rollout/run.ts [--runs 3] [--replicas 3]
import { parseArgs } from 'node:util';
import { runAction } from '../../test/harness/run-action.js';
import { startKubeFake, type KubeObject } from '../../test/kube-fake/index.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, replicas: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const replicas = Number(values.replicas);
const PROGRESS_DEADLINE_S = 600; // the API default, which `kubectl rollout status` waits out
const TARGET_S = 30;

interface ContainerStatus {
  state?: { waiting?: { reason?: string }; terminated?: { exitCode?: number } };
  lastState?: { terminated?: { exitCode?: number } };
}

function firstFailure(pod: KubeObject): boolean {
  const statuses = ((pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ??
    []) as ContainerStatus[];
  return statuses.some(
    (s) =>
      s.state?.terminated !== undefined ||
      s.lastState?.terminated !== undefined ||
      s.state?.waiting?.reason === 'CrashLoopBackOff',
  );
}

function imageOf(d: KubeObject): string | undefined {
  return (d.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec
    ?.containers?.[0]?.image;
}

async function once(run: number): Promise<{ detection: number; reported: number; sinceStart: number; total: number }> {
  const fake = await startKubeFake({ timeScale: 1, tickMs: 20, namespaces: ['bench'] });
  try {
    const labels = { app: 'api' };
    fake.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'bench', labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'api', image: 'acme/api:v1' }] } },
      },
    });
    await fake.waitFor(
      () =>
        (fake.get('Deployment', 'bench', 'api')?.status as { availableReplicas?: number })?.availableReplicas ===
        replicas,
      {
        timeoutMs: 60_000,
        what: 'the first rollout',
      },
    );

    // Timestamps from the fake's own store events, in this process's clock.
    let rolloutStart: number | undefined;
    let failureAt: number | undefined;
    let rollbackAt: number | undefined;
    const unsubscribe = fake.cluster.store.subscribe((e) => {
      const now = Date.now();
      if (e.key.endsWith('/deployments') && e.object.metadata.name === 'api') {
        const image = imageOf(e.object);
        if (image === 'acme/api:crashloop') rolloutStart ??= now;
        if (rolloutStart !== undefined && image === 'acme/api:v1') rollbackAt ??= now;
      }
      if (e.key.endsWith('/pods') && rolloutStart !== undefined && failureAt === undefined) {
        const podImage = imageOf({ ...e.object, spec: { template: { spec: e.object.spec } } } as KubeObject);
        if (podImage === 'acme/api:crashloop' && firstFailure(e.object)) failureAt = now;
      }
    });
    const started = Date.now();
    // Default settings: only what to deploy; verify-duration does not matter for a failing rollout.
    const r = await runAction('deploy-rollout', {
      inputs: { namespace: 'bench', deployment: 'api', image: 'acme/api:crashloop' },
      env: { KUBECONFIG: fake.kubeconfigPath },
      timeoutMs: 300_000,
    });
    unsubscribe();
    if (
      r.outputs.result !== 'rolled-back' ||
      failureAt === undefined ||
      rollbackAt === undefined ||
      rolloutStart === undefined
    ) {
      throw new Error(
        `run ${run}: expected a rollback (result ${r.outputs.result}, exit ${r.exitCode}): ${r.errors.join(' / ')}`,
      );
    }
    return {
      detection: (rollbackAt - failureAt) / 1000,
      reported: Number(r.outputs['detection-seconds']),
      sinceStart: (rollbackAt - rolloutStart) / 1000,
      total: (Date.now() - started) / 1000,
    };
  } finally {
    await fake.stop();
  }
}

const results = [];
for (let i = 1; i <= runs; i++) {
  const r = await once(i);
  results.push(r);
  console.log(
    `run ${i}: first pod failure -> rollback issued ${r.detection.toFixed(1)} s (action's detection-seconds ${r.reported}); rollout start -> rollback ${r.sinceStart.toFixed(1)} s; action wall time ${r.total.toFixed(1)} s`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const detection = median(results.map((r) => r.detection));
const sinceStart = median(results.map((r) => r.sinceStart));
// kubectl rollout status fails only when Progressing=False/ProgressDeadlineExceeded: 600 s after the
// rollout stopped making progress (it starts when the new ReplicaSet is created), then a person or
// script runs `kubectl rollout undo`.
const kubectl = PROGRESS_DEADLINE_S - (sinceStart - detection);
console.log('');
console.log(
  `crash-looping image, ${replicas} replicas, fake at real time, deploy-rollout defaults, ${runs} run(s), median:`,
);
console.log(`  deploy-rollout:          first pod failure -> rollback issued  ${detection.toFixed(1)} s`);
console.log(
  `  kubectl rollout status:  first pod failure -> failure reported ~${kubectl.toFixed(0)} s (progressDeadlineSeconds ${PROGRESS_DEADLINE_S})`,
);
console.log(
  `  ratio: ${(kubectl / Math.max(detection, 0.1)).toFixed(0)}x sooner; target < ${TARGET_S} s: ${detection < TARGET_S ? 'MET' : 'MISSED'}`,
);
