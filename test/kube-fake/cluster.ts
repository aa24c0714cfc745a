/** Wires the fake together: store, kinds, clock, behaviours, faults, REST semantics and controllers. */
import { BehaviourRegistry, type BehaviourRule, type PodBehaviour } from './behaviours.js';
import { FakeClock } from './clock.js';
import { resolveTypes, type ControllerContext } from './controller/context.js';
import { ControllerManager } from './controller/manager.js';
import { FaultInjector } from './faults.js';
import { ResourceHandlers } from './handlers.js';
import { Lifecycle } from './lifecycle.js';
import { ResourceRegistry } from './resources.js';
import { Store } from './store.js';
import { NODE_IP, NODE_NAME } from './kubelet.js';
import { FAKE_VERSION } from './discovery.js';

export interface ClusterOptions {
  /** Virtual seconds per real second (default 1: realistic). */
  timeScale?: number;
  /** Real milliseconds between controller passes when nothing changes (default 100). */
  tickMs?: number;
  /** Behaviour of images no rule matches (default: ready 1 s after start, start 1 s after creation). */
  defaultBehaviour?: PodBehaviour;
  behaviours?: BehaviourRule[];
  /** Namespaces besides default, kube-system, kube-public and kube-node-lease. */
  namespaces?: string[];
  /** Change events kept for watch resumption (older resourceVersions get 410 Gone). */
  historyLimit?: number;
  /** Virtual seconds between watch bookmarks (when the client allows them); default 60. */
  bookmarkIntervalSeconds?: number;
}

export class Cluster {
  readonly clock: FakeClock;
  readonly registry = new ResourceRegistry();
  readonly store: Store;
  readonly behaviours: BehaviourRegistry;
  readonly faults = new FaultInjector();
  readonly lifecycle: Lifecycle;
  readonly controllers: ControllerManager;
  readonly handlers: ResourceHandlers;
  readonly context: ControllerContext;

  constructor(options: ClusterOptions = {}) {
    this.clock = new FakeClock(options.timeScale ?? 1);
    this.store = new Store(this.clock, options.historyLimit ?? 10_000);
    this.behaviours = new BehaviourRegistry(options.defaultBehaviour);
    for (const rule of options.behaviours ?? []) this.behaviours.set(rule);
    this.lifecycle = new Lifecycle(this.store, this.registry);
    const types = resolveTypes(this.registry);
    this.context = {
      store: this.store,
      clock: this.clock,
      registry: this.registry,
      behaviours: this.behaviours,
      types,
      createPod: (pod) => this.lifecycle.create(types.pods, pod, pod.metadata.namespace),
      eventIndex: new Map(),
    };
    this.controllers = new ControllerManager(this.context, this.lifecycle, { tickMs: options.tickMs ?? 100 });
    this.handlers = new ResourceHandlers({
      store: this.store,
      registry: this.registry,
      lifecycle: this.lifecycle,
      clock: this.clock,
      behaviours: this.behaviours,
      bookmarkIntervalMs: this.clock.toRealMs((options.bookmarkIntervalSeconds ?? 60) * 1000),
    });
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ...(options.namespaces ?? [])]) {
      this.lifecycle.create(types.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, undefined);
    }
    this.createNode();
    this.registerCrdWatcher();
  }

  /** The one node every pod is scheduled to. */
  private createNode(): void {
    const nodes = this.registry.byResource('', 'v1', 'nodes')!;
    const now = this.clock.timestamp();
    this.lifecycle.create(
      nodes,
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: NODE_NAME,
          labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
        },
        spec: {},
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          addresses: [
            { type: 'InternalIP', address: NODE_IP },
            { type: 'Hostname', address: NODE_NAME },
          ],
          allocatable: { cpu: '8', memory: '16Gi', pods: '110' },
          capacity: { cpu: '8', memory: '16Gi', pods: '110' },
          nodeInfo: {
            kubeletVersion: FAKE_VERSION.gitVersion,
            containerRuntimeVersion: 'containerd://1.7.0',
            operatingSystem: 'linux',
            architecture: 'amd64',
            osImage: 'kube-fake simulator',
          },
        },
      },
      undefined,
    );
  }

  /** A CustomResourceDefinition makes its kind servable (stored generically), like the real apiextensions server. */
  private registerCrdWatcher(): void {
    this.store.subscribe((event) => {
      if (event.key !== 'apiextensions.k8s.io/customresourcedefinitions' || event.type === 'DELETED') return;
      const spec = event.object.spec as
        | {
            group?: string;
            scope?: string;
            names?: { kind?: string; plural?: string; singular?: string; shortNames?: string[] };
            versions?: { name: string; served?: boolean; subresources?: { status?: object; scale?: object } }[];
          }
        | undefined;
      if (!spec?.group || !spec.names?.kind || !spec.names.plural) return;
      for (const v of spec.versions ?? []) {
        if (v.served === false) continue;
        this.registry.register({
          group: spec.group,
          version: v.name,
          kind: spec.names.kind,
          resource: spec.names.plural,
          singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
          namespaced: spec.scope !== 'Cluster',
          shortNames: spec.names.shortNames,
          status: Boolean(v.subresources?.status),
          scale: Boolean(v.subresources?.scale),
          generation: true,
        });
      }
    });
  }

  start(): void {
    this.controllers.start();
  }

  stop(): void {
    this.controllers.stop();
  }
}
