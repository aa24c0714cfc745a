import type { V1Deployment } from '@kubernetes/client-node';
import { ActionError, formatDuration, type Logger } from '@ralph-deploy/common';
import type { KubeApi } from './client.js';
import { DeploymentWatcher } from './deployment-watch.js';
import { rolloutStatus } from './rollout-status.js';

export interface ScaleResult {
  previousReplicas: number;
  replicas: number;
  deployment: V1Deployment;
}

/** Sets spec.replicas (merge patch); with dryRun the server validates and nothing changes. */
export async function scaleDeployment(
  api: KubeApi,
  namespace: string,
  name: string,
  replicas: number,
  options: { dryRun?: boolean; log?: Logger } = {},
): Promise<ScaleResult> {
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new ActionError(`Cannot scale deployment ${namespace}/${name} to ${replicas} replicas`);
  const before = await api.readDeployment(namespace, name);
  const previousReplicas = before.spec?.replicas ?? 1;
  options.log?.info(
    `Scaling deployment ${namespace}/${name} from ${previousReplicas} to ${replicas} replicas${options.dryRun ? ' (dry run)' : ''}`,
  );
  const deployment = await api.patchDeployment(namespace, name, { spec: { replicas } }, 'merge', {
    dryRun: options.dryRun === true,
  });
  return { previousReplicas, replicas, deployment };
}

export interface WaitForReadyOptions {
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
  /** Called with kubectl's status line whenever it changes. */
  onProgress?: (message: string) => void;
}

/**
 * Waits until `kubectl rollout status` would say "successfully rolled out" (watch-based, with
 * polling fallback). Throws an ActionError on ProgressDeadlineExceeded or when `timeoutMs` passes.
 */
export async function waitForDeploymentReady(
  api: KubeApi,
  namespace: string,
  name: string,
  options: WaitForReadyOptions,
): Promise<V1Deployment> {
  const watcher = new DeploymentWatcher(api, namespace, name, { log: options.log });
  const started = Date.now();
  let last = '';
  try {
    await watcher.start();
    for (let i = 0; i < 1_000_000; i++) {
      const d = await watcher.current();
      const status = rolloutStatus(d);
      if (status.message !== last) {
        last = status.message;
        options.log.info(status.message);
        options.onProgress?.(status.message);
      }
      if (status.done) return d;
      if (status.failed) throw new ActionError(`Deployment ${namespace}/${name}: ${status.message}`);
      const left = options.timeoutMs - (Date.now() - started);
      if (left <= 0) break;
      await watcher.changed(Math.min(2000, left), options.signal);
    }
    throw new ActionError(
      `Deployment ${namespace}/${name} was not ready within ${formatDuration(options.timeoutMs)}: ${last}`,
    );
  } finally {
    await watcher.stop();
  }
}
