import { DiffBuilder } from '../engine/diff.js';
import type { ResourceModule } from '../engine/types.js';
import type { GcpCluster } from '../desired.js';
import { labelArg, locationFlag, type Gcloud } from './gcloud.js';

export interface GkeState {
  status: string;
  endpoint: string | undefined;
  ca: string | undefined;
  machineType: string | undefined;
  autoscaling: boolean;
  minNodes: number | undefined;
  maxNodes: number | undefined;
  autoRepair: boolean;
  autoUpgrade: boolean;
  releaseChannel: string | undefined;
  labels: Record<string, string>;
  poolFound: boolean;
}

interface GkeJson {
  status?: string;
  endpoint?: string;
  masterAuth?: { clusterCaCertificate?: string };
  resourceLabels?: Record<string, string>;
  releaseChannel?: { channel?: string };
  nodePools?: {
    name?: string;
    config?: { machineType?: string };
    autoscaling?: { enabled?: boolean; minNodeCount?: number; maxNodeCount?: number };
    management?: { autoRepair?: boolean; autoUpgrade?: boolean };
  }[];
}

/** A GKE cluster with an autoscaled node pool (the guide's `gcloud container clusters create`). */
export function gkeClusterResource(
  gcloud: Gcloud,
  desired: GcpCluster,
  labels: Record<string, string>,
): ResourceModule<GcpCluster, GkeState> {
  const loc = locationFlag(desired.location);
  return {
    kind: 'gcp:gke-cluster',
    name: desired.name,
    desired,
    dependsOn: [],
    describe: (d) =>
      `${d.location}, ${d['machine-type']}, ${d['num-nodes']} nodes, autoscaling ${d['min-nodes']}..${d['max-nodes']}, autorepair ${d['enable-autorepair']}, autoupgrade ${d['enable-autoupgrade']}`,
    async read() {
      const j = (await gcloud.describe(['container', 'clusters', 'describe', desired.name, loc])) as
        GkeJson | undefined;
      if (!j) return undefined;
      const pool = j.nodePools?.find((p) => p.name === desired['node-pool']);
      return {
        status: j.status ?? 'UNKNOWN',
        endpoint: j.endpoint,
        ca: j.masterAuth?.clusterCaCertificate,
        machineType: pool?.config?.machineType,
        autoscaling: pool?.autoscaling?.enabled ?? false,
        minNodes: pool?.autoscaling?.minNodeCount,
        maxNodes: pool?.autoscaling?.maxNodeCount,
        autoRepair: pool?.management?.autoRepair ?? false,
        autoUpgrade: pool?.management?.autoUpgrade ?? false,
        releaseChannel: j.releaseChannel?.channel,
        labels: j.resourceLabels ?? {},
        poolFound: pool !== undefined,
      };
    },
    diff(d, c) {
      const b = new DiffBuilder();
      if (!c.poolFound) {
        b.push({
          field: 'node-pool',
          desired: d['node-pool'],
          actual: null,
          mode: 'manual',
          note: 'create the node pool with gcloud container node-pools create',
        });
        return b.diffs;
      }
      b.field(
        'machine-type',
        d['machine-type'],
        c.machineType,
        'replace',
        'create a new node pool and migrate workloads',
      )
        .field('autoscaling', true, c.autoscaling)
        .field('min-nodes', d['min-nodes'], c.minNodes)
        .field('max-nodes', d['max-nodes'], c.maxNodes)
        .field('enable-autorepair', d['enable-autorepair'], c.autoRepair)
        .field('enable-autoupgrade', d['enable-autoupgrade'], c.autoUpgrade);
      if (d['release-channel'])
        b.field('release-channel', d['release-channel'].toUpperCase(), c.releaseChannel ?? null);
      return b.tags(labels, c.labels).diffs;
    },
    async apply(change) {
      if (change.action === 'create') {
        await gcloud.run([
          'container',
          'clusters',
          'create',
          desired.name,
          loc,
          `--machine-type=${desired['machine-type']}`,
          `--num-nodes=${desired['num-nodes']}`,
          '--enable-autoscaling',
          `--min-nodes=${desired['min-nodes']}`,
          `--max-nodes=${desired['max-nodes']}`,
          desired['enable-autorepair'] ? '--enable-autorepair' : '--no-enable-autorepair',
          desired['enable-autoupgrade'] ? '--enable-autoupgrade' : '--no-enable-autoupgrade',
          ...(desired['release-channel'] ? [`--release-channel=${desired['release-channel']}`] : []),
          `--labels=${labelArg(labels)}`,
        ]);
        return;
      }
      const fields = new Set(change.diffs.map((d) => d.field));
      if (['autoscaling', 'min-nodes', 'max-nodes'].some((f) => fields.has(f))) {
        await gcloud.run([
          'container',
          'clusters',
          'update',
          desired.name,
          loc,
          `--node-pool=${desired['node-pool']}`,
          '--enable-autoscaling',
          `--min-nodes=${desired['min-nodes']}`,
          `--max-nodes=${desired['max-nodes']}`,
        ]);
      }
      if (fields.has('enable-autorepair') || fields.has('enable-autoupgrade')) {
        await gcloud.run([
          'container',
          'node-pools',
          'update',
          desired['node-pool'],
          `--cluster=${desired.name}`,
          loc,
          desired['enable-autorepair'] ? '--enable-autorepair' : '--no-enable-autorepair',
          desired['enable-autoupgrade'] ? '--enable-autoupgrade' : '--no-enable-autoupgrade',
        ]);
      }
      if (fields.has('release-channel') && desired['release-channel']) {
        await gcloud.run([
          'container',
          'clusters',
          'update',
          desired.name,
          loc,
          `--release-channel=${desired['release-channel']}`,
        ]);
      }
      if (fields.has('tags'))
        await gcloud.run(['container', 'clusters', 'update', desired.name, loc, `--update-labels=${labelArg(labels)}`]);
    },
    readiness(c) {
      if (c.status === 'RUNNING') return { state: 'ready' };
      if (c.status === 'ERROR' || c.status === 'DEGRADED')
        return { state: 'failed', detail: `cluster status ${c.status}` };
      return { state: 'pending', detail: `status ${c.status}` };
    },
    outputs: (c): Record<string, string> => (c.endpoint ? { 'cluster-endpoint': `https://${c.endpoint}` } : {}),
  };
}
