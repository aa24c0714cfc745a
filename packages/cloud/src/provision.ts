import { ActionError, type Logger } from '@ralph-deploy/common';
import { awsClients, type AwsClients } from './aws/clients.js';
import { KIND } from './aws/context.js';
import type { ClusterState } from './aws/eks.js';
import { awsResources } from './aws/stack.js';
import type { Infrastructure } from './desired.js';
import { reconcile } from './engine/engine.js';
import {
  Refs,
  resourceKey,
  type AnyResource,
  type Clock,
  type PlanItem,
  type ResourceModule,
  type RunResult,
} from './engine/types.js';
import { Gcloud, gcpLabels, type ExecFn } from './gcp/gcloud.js';
import { cloudSqlResource } from './gcp/cloudsql.js';
import { gkeClusterResource, type GkeState } from './gcp/gke.js';
import { memorystoreResource } from './gcp/memorystore.js';
import { eksKubeconfigEntry, gkeKubeconfigEntry, type KubeconfigEntry } from './kubeconfig.js';

export interface ProvisionOptions {
  provider: 'aws' | 'gcp';
  /** AWS region; GCP locations come from the infrastructure itself. */
  region: string | undefined;
  environment: string;
  infrastructure: Infrastructure;
  apply: boolean;
  acknowledgeReplacement: string[];
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
  clock?: Clock;
  pollIntervalMs?: number;
  /** AWS: injected clients (tests); default: SDK clients on the default credential chain. */
  awsClients?: AwsClients;
  /** GCP: how gcloud runs. */
  exec?: ExecFn;
  gcloudBinary?: string;
}

export interface ProvisionResult extends RunResult {
  blocked: PlanItem[];
  /** The cluster's kubeconfig entry, when the cluster exists. */
  kubeconfig: KubeconfigEntry | undefined;
  /** gcloud command lines that changed something (GCP). */
  commands: string[][];
}

const erase = <D, C>(r: ResourceModule<D, C>): AnyResource => r as unknown as AnyResource;

/**
 * Plans (and with `apply`, reconciles) the desired infrastructure. Throws ActionError for bad
 * settings before touching anything; an apply that fails part way throws ApplyFailed with the partial result.
 */
export async function provision(o: ProvisionOptions): Promise<ProvisionResult> {
  const { resources, kubeconfig, commands } = o.provider === 'aws' ? awsPlan(o) : gcpPlan(o);
  if (resources.length === 0)
    throw new ActionError(`infrastructure declares no ${o.provider} resources (set infrastructure.${o.provider})`);
  const result = await reconcile(resources, {
    log: o.log,
    apply: o.apply,
    acknowledgeReplacement: o.acknowledgeReplacement,
    timeoutMs: o.timeoutMs,
    ...(o.pollIntervalMs !== undefined ? { pollIntervalMs: o.pollIntervalMs } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { ...result, kubeconfig: kubeconfig(result.states), commands: commands() };
}

function awsPlan(o: ProvisionOptions) {
  const infra = o.infrastructure.aws;
  if (!infra) throw new ActionError("provider is aws but the spec's provision.infrastructure has no 'aws' section");
  if (!o.region)
    throw new ActionError("Input 'region': required for provider aws (e.g. us-west-2) when AWS_REGION is not set");
  const clients = o.awsClients ?? awsClients(o.region);
  const ctx = { clients, environment: o.environment, tags: o.infrastructure.tags, log: o.log };
  const resources = awsResources(ctx, infra);
  const cluster = infra.cluster;
  return {
    resources,
    commands: () => [] as string[][],
    kubeconfig: (states: Refs): KubeconfigEntry | undefined => {
      if (!cluster) return undefined;
      const c = states.get<ClusterState>(resourceKey({ kind: KIND.eksCluster, name: cluster.name }));
      if (!c?.endpoint) return undefined;
      return eksKubeconfigEntry({
        arn: c.arn,
        name: cluster.name,
        region: clients.region,
        endpoint: c.endpoint,
        ca: c.certificateAuthority,
      });
    },
  };
}

function gcpPlan(o: ProvisionOptions) {
  const infra = o.infrastructure.gcp;
  if (!infra) throw new ActionError("provider is gcp but the spec's provision.infrastructure has no 'gcp' section");
  if (!o.exec) throw new Error('provision: gcp needs an exec function');
  const gcloud = new Gcloud(o.exec, infra.project, o.gcloudBinary);
  const labels = gcpLabels(o.environment, o.infrastructure.tags);
  const resources: AnyResource[] = [];
  let gke: ResourceModule<unknown, GkeState> | undefined;
  if (infra.cluster) {
    gke = {
      ...erase(gkeClusterResource(gcloud, infra.cluster, labels)),
      specPath: ['gcp', 'cluster'],
    } as ResourceModule<unknown, GkeState>;
    resources.push(gke as AnyResource);
  }
  if (infra.database)
    resources.push({ ...erase(cloudSqlResource(gcloud, infra.database, labels)), specPath: ['gcp', 'database'] });
  if (infra.cache)
    resources.push({ ...erase(memorystoreResource(gcloud, infra.cache, labels)), specPath: ['gcp', 'cache'] });
  const cluster = infra.cluster;
  return {
    resources,
    commands: () => gcloud.commands,
    kubeconfig: (states: Refs): KubeconfigEntry | undefined => {
      if (!gke || !cluster) return undefined;
      const c = states.get<GkeState>(resourceKey(gke));
      if (!c?.endpoint) return undefined;
      return gkeKubeconfigEntry({
        project: infra.project,
        location: cluster.location,
        name: cluster.name,
        endpoint: c.endpoint,
        ca: c.ca,
      });
    },
  };
}
