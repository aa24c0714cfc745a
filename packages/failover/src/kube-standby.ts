import type { Logger } from '@ralph-deploy/common';
import {
  createKubeClient,
  rolloutStatus,
  scaleDeployment,
  waitForDeploymentReady,
  type KubeApi,
} from '@ralph-deploy/kube';
import type { DeploymentSnapshot, StandbyCluster } from './standby-cluster.js';

type Deployment = Awaited<ReturnType<KubeApi['readDeployment']>>;

export function toSnapshot(d: Deployment): DeploymentSnapshot {
  const s = rolloutStatus(d);
  return {
    specReplicas: d.spec?.replicas ?? 1,
    // The API server omits zero counts.
    readyReplicas: d.status?.readyReplicas ?? 0,
    availableReplicas: d.status?.availableReplicas ?? 0,
    rollout: { done: s.done, failed: s.failed, message: s.message },
  };
}

/** The standby cluster through the suite's Kubernetes client (kubeconfig + context, retries, readable errors). */
export function kubeStandbyCluster(options: {
  kubeconfig?: string;
  context?: string;
  log: Logger;
  signal: AbortSignal;
}): StandbyCluster {
  let api: KubeApi | undefined;
  const client = (signal: AbortSignal): KubeApi => {
    api ??= createKubeClient({
      kubeconfig: options.kubeconfig,
      context: options.context,
      contextInput: 'standby-context',
      log: options.log,
      signal: options.signal,
    });
    return api.withSignal(signal);
  };
  return {
    async readDeployment(namespace, name, signal) {
      return toSnapshot(await client(signal).readDeployment(namespace, name));
    },
    async scaleDeployment(namespace, name, replicas, signal) {
      await scaleDeployment(client(signal), namespace, name, replicas, { log: options.log });
    },
    async waitForReady(namespace, name, timeoutMs, signal) {
      return toSnapshot(
        await waitForDeploymentReady(client(signal), namespace, name, { timeoutMs, log: options.log, signal }),
      );
    },
  };
}
