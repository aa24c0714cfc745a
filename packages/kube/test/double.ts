import type { KubernetesObject, V1Deployment, V1Pod, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import type { KubeApi, PatchType, WatchSession } from '../src/client.js';
import { DeploymentNotFoundError } from '../src/errors.js';
import { REVISION_ANNOTATION, normalize, revisionOf, templatesEqual } from '../src/replicasets.js';

export type PodScript = (pod: V1Pod) => void;

/**
 * A tiny in-memory stand-in for KubeApi: one Deployment whose template changes create a ReplicaSet
 * (or reuse a matching one, giving it the next revision, as the controller does) with pods shaped by
 * `podScript(image)`. Status counts follow the pods. No watch: the code under test must poll.
 */
export class DoubleApi implements KubeApi {
  deployment: V1Deployment;
  replicaSets: V1ReplicaSet[] = [];
  pods: V1Pod[] = [];
  patches: { type: PatchType; patch: unknown; dryRun: boolean }[] = [];
  applied: KubernetesObject[] = [];
  watchCalls = 0;
  private seq = 0;

  constructor(
    image: string,
    private readonly podScript: (image: string) => PodScript,
    private readonly replicas = 2,
  ) {
    this.deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'prod', uid: 'dep-uid', generation: 1, annotations: {} },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      },
      status: {},
    };
    this.reconcile();
  }

  withSignal(): KubeApi {
    return this;
  }

  async readDeployment(namespace: string, name: string): Promise<V1Deployment> {
    if (name !== 'web' || namespace !== 'prod') throw new DeploymentNotFoundError(namespace, name);
    this.reconcile();
    return structuredClone(this.deployment);
  }

  async patchDeployment(
    _ns: string,
    _name: string,
    patch: unknown,
    type: PatchType,
    options: { dryRun?: boolean } = {},
  ): Promise<V1Deployment> {
    this.patches.push({ type, patch, dryRun: options.dryRun === true });
    if (options.dryRun) return structuredClone(this.deployment);
    const before = structuredClone(this.deployment.spec?.template);
    if (type === 'json') {
      for (const op of patch as { path: string; value: unknown }[]) {
        if (op.path === '/spec/template')
          (this.deployment.spec as { template: unknown }).template = structuredClone(op.value);
        if (op.path === '/metadata/annotations')
          this.deployment.metadata!.annotations = structuredClone(op.value) as Record<string, string>;
      }
    } else {
      const p = patch as {
        metadata?: { annotations?: Record<string, string> };
        spec?: { replicas?: number; template?: { spec?: { containers?: { name: string; image: string }[] } } };
      };
      Object.assign(this.deployment.metadata!.annotations!, p.metadata?.annotations ?? {});
      if (p.spec?.replicas !== undefined) this.deployment.spec!.replicas = p.spec.replicas;
      for (const c of p.spec?.template?.spec?.containers ?? []) {
        const target = this.deployment.spec!.template.spec!.containers.find((x) => x.name === c.name);
        if (target) target.image = c.image;
      }
    }
    if (!templatesEqual(before, this.deployment.spec?.template)) this.deployment.metadata!.generation! += 1;
    this.reconcile();
    return structuredClone(this.deployment);
  }

  async listReplicaSets(): Promise<V1ReplicaSet[]> {
    this.reconcile();
    return structuredClone(this.replicaSets);
  }

  async listPods(_ns: string, selector: string): Promise<V1Pod[]> {
    this.reconcile();
    const hash = /pod-template-hash=([^,]+)/.exec(selector)?.[1];
    return structuredClone(this.pods.filter((p) => !hash || p.metadata?.labels?.['pod-template-hash'] === hash));
  }

  async apply(object: KubernetesObject): Promise<KubernetesObject> {
    this.applied.push(structuredClone(object));
    return object;
  }

  async watch(): Promise<WatchSession> {
    this.watchCalls++;
    throw new Error('watch not supported by the double');
  }

  /** The controller: new template -> new or reused ReplicaSet with the next revision; pods per script; status from pods. */
  reconcile(): void {
    const d = this.deployment;
    let rs = this.replicaSets.find((r) => templatesEqual(r.spec?.template, d.spec?.template));
    const maxRevision = Math.max(0, ...this.replicaSets.map(revisionOf));
    if (!rs) {
      const hash = `h${++this.seq}`;
      const template = normalize(d.spec?.template) as V1PodTemplateSpec;
      template.metadata!.labels!['pod-template-hash'] = hash;
      rs = {
        metadata: {
          name: `web-${hash}`,
          uid: `rs-${hash}`,
          labels: { app: 'web', 'pod-template-hash': hash },
          annotations: {
            [REVISION_ANNOTATION]: String(maxRevision + 1),
            ...pick(d.metadata?.annotations, 'kubernetes.io/change-cause'),
          },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'dep-uid', controller: true },
          ],
          creationTimestamp: new Date(Date.now() + this.seq),
        },
        spec: {
          replicas: this.replicas,
          selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
          template,
        },
        status: { replicas: 0 },
      };
      this.replicaSets.push(rs);
      this.pods = this.pods.filter((p) => p.metadata?.labels?.['pod-template-hash'] === hash);
      for (let i = 0; i < this.replicas; i++) {
        const pod: V1Pod = {
          metadata: {
            name: `web-${hash}-${i}`,
            labels: { app: 'web', 'pod-template-hash': hash },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: rs.metadata!.name!,
                uid: rs.metadata!.uid!,
                controller: true,
              },
            ],
          },
          spec: { containers: structuredClone(template.spec!.containers) },
          status: { phase: 'Pending' },
        };
        this.pods.push(pod);
      }
    } else if (revisionOf(rs) !== maxRevision) {
      rs.metadata!.annotations![REVISION_ANNOTATION] = String(maxRevision + 1); // a restored ReplicaSet gets a new revision
      const hash = rs.metadata!.labels!['pod-template-hash'];
      this.pods = this.pods.filter((p) => p.metadata?.labels?.['pod-template-hash'] === hash);
      if (this.pods.length === 0) {
        for (let i = 0; i < this.replicas; i++) {
          this.pods.push({
            metadata: {
              name: `web-${hash}-r${i}`,
              labels: { app: 'web', 'pod-template-hash': hash! },
              ownerReferences: [
                {
                  apiVersion: 'apps/v1',
                  kind: 'ReplicaSet',
                  name: rs.metadata!.name!,
                  uid: rs.metadata!.uid!,
                  controller: true,
                },
              ],
            },
            spec: { containers: structuredClone(rs.spec!.template!.spec!.containers) },
            status: { phase: 'Pending' },
          });
        }
      }
    }
    d.metadata!.annotations![REVISION_ANNOTATION] = rs.metadata!.annotations![REVISION_ANNOTATION]!;
    for (const pod of this.pods) this.podScript(pod.spec!.containers[0]!.image!)(pod);
    const ready = this.pods.filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
    d.status = {
      observedGeneration: d.metadata!.generation,
      replicas: this.pods.length,
      updatedReplicas: this.pods.length,
      ...(ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : {}),
    };
    for (const r of this.replicaSets)
      r.status = r === rs ? { replicas: this.pods.length, readyReplicas: ready } : { replicas: 0 };
    for (const r of this.replicaSets) r.spec!.replicas = r === rs ? this.replicas : 0;
  }
}

function pick(obj: Record<string, string> | undefined, key: string): Record<string, string> {
  return obj?.[key] !== undefined ? { [key]: obj[key] } : {};
}

export const ready: PodScript = (pod) => {
  pod.status = {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [
      { name: 'web', image: '', imageID: '', ready: true, restartCount: 0, started: true, state: { running: {} } },
    ],
  };
};

export const crashLooping: PodScript = (pod) => {
  pod.status = {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [
      {
        name: 'web',
        image: '',
        imageID: '',
        ready: false,
        restartCount: 1,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: new Date() } },
      },
    ],
  };
};

/** ready for images without ":bad", crash-looping for those with it. */
export const byTag = (image: string): PodScript => (image.includes(':bad') ? crashLooping : ready);
