import { ActionError } from '@ralph-deploy/common';
import type { DeploymentSnapshot, StandbyCluster } from '../../src/index.js';

/** An in-memory standby Deployment whose pods become ready as soon as it is waited on. */
export function memoryCluster(
  initialReplicas: number,
): StandbyCluster & { spec: number; ready: number; scaleCalls: number; exists: boolean; podsStart: boolean } {
  const snapshot = (c: { spec: number; ready: number }): DeploymentSnapshot => ({
    specReplicas: c.spec,
    readyReplicas: c.ready,
    availableReplicas: c.ready,
    rollout:
      c.ready >= c.spec
        ? { done: true, failed: false, message: 'successfully rolled out' }
        : { done: false, failed: false, message: `${c.ready} of ${c.spec} available` },
  });
  const cluster = {
    spec: initialReplicas,
    ready: initialReplicas,
    scaleCalls: 0,
    exists: true,
    /** false: pods never become ready (e.g. an image that cannot be pulled), so waiting times out. */
    podsStart: true,
    async readDeployment(namespace: string, name: string) {
      if (!cluster.exists) throw new ActionError(`Deployment "${name}" not found in namespace "${namespace}"`);
      return snapshot(cluster);
    },
    async scaleDeployment(_ns: string, _name: string, replicas: number) {
      cluster.scaleCalls++;
      cluster.spec = replicas;
    },
    async waitForReady(namespace: string, name: string) {
      if (!cluster.podsStart)
        throw new ActionError(
          `Deployment ${namespace}/${name} was not ready within 10s: ${cluster.ready} of ${cluster.spec} available`,
        );
      cluster.ready = cluster.spec;
      return snapshot(cluster);
    },
  };
  return cluster;
}
