import { ActionError } from '@ralph-deploy/common';
import { describeDeployment, standbyReady, type StandbyCluster } from '../standby-cluster.js';
import type { FailoverStep, Observation, RunContext } from '../types.js';

export interface ScaleStandbyOptions {
  cluster: StandbyCluster;
  namespace: string;
  deployment: string;
  replicas: number;
  timeoutMs: number;
}

/** Step 5: scale the standby Deployment to at least `replicas` and wait until they are ready. */
export function scaleStandby(o: ScaleStandbyOptions): FailoverStep {
  const where = `deployment ${o.namespace}/${o.deployment}`;
  const observe = async (ctx: RunContext): Promise<Observation> => {
    const d = await o.cluster.readDeployment(o.namespace, o.deployment, ctx.signal);
    return { done: standbyReady(d, o.replicas), state: `${where}: ${describeDeployment(d)}` };
  };
  return {
    id: 'scale-standby',
    title: 'Scale the standby deployment',
    plan: `scale ${where} to ${o.replicas} replicas and wait until they are ready`,
    observe,
    async act(ctx) {
      const before = await o.cluster.readDeployment(o.namespace, o.deployment, ctx.signal);
      let action = `${where} already at ${before.specReplicas} replica(s)`;
      if (before.specReplicas < o.replicas) {
        await o.cluster.scaleDeployment(o.namespace, o.deployment, o.replicas, ctx.signal);
        action = `scaled ${where} from ${before.specReplicas} to ${o.replicas}`;
      }
      const after = await o.cluster.waitForReady(o.namespace, o.deployment, o.timeoutMs, ctx.signal);
      if (after.readyReplicas < o.replicas)
        throw new ActionError(`${where} rolled out with only ${after.readyReplicas} of ${o.replicas} replicas ready`);
      return { action: `${action}; ${after.readyReplicas} ready` };
    },
  };
}
