/** The standby Deployment as the failover sees it. */
export interface DeploymentSnapshot {
  specReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  /** kubectl rollout status' verdict on the current spec. */
  rollout: { done: boolean; failed: boolean; message: string };
}

/** What the scale step needs from the standby cluster; implemented over @ralph-deploy/kube (kube-standby.ts). */
export interface StandbyCluster {
  /** Throws an ActionError naming the inputs when the Deployment does not exist. */
  readDeployment(namespace: string, name: string, signal: AbortSignal): Promise<DeploymentSnapshot>;
  scaleDeployment(namespace: string, name: string, replicas: number, signal: AbortSignal): Promise<void>;
  /** Waits until the rollout is complete; throws an ActionError when it fails or `timeoutMs` passes. */
  waitForReady(namespace: string, name: string, timeoutMs: number, signal: AbortSignal): Promise<DeploymentSnapshot>;
}

/**
 * The failover's goal for the standby: at least `target` replicas, rolled out and ready. A standby
 * already scaled above the target (e.g. by an autoscaler) is left alone rather than scaled down.
 */
export function standbyReady(d: DeploymentSnapshot, target: number): boolean {
  return d.specReplicas >= target && d.rollout.done && d.readyReplicas >= target;
}

export function describeDeployment(d: DeploymentSnapshot): string {
  return `spec ${d.specReplicas} replica(s), ${d.readyReplicas} ready, ${d.availableReplicas} available${d.rollout.done ? '' : ` (${d.rollout.message})`}`;
}
