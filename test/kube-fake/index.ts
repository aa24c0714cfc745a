/**
 * kube-fake: an HTTP simulator of the Kubernetes API for tests (NOT a cluster). Start it, point a
 * kubeconfig at it, script what pods do by image, inject API faults, and drive time faster.
 *
 *   const fake = await startKubeFake({ timeScale: 20 });
 *   process.env.KUBECONFIG = fake.kubeconfigPath;
 *   fake.setBehaviour('*:v2', { exitAfterSeconds: 1, exitCode: 1, exitReason: 'Error' });
 *   fake.injectFault({ method: 'PATCH', path: '/apis/apps/v1/namespaces/*', status: 429, times: 2 });
 *   ...
 *   await fake.stop();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodBehaviour } from './behaviours.js';
import { Cluster, type ClusterOptions } from './cluster.js';
import type { Fault, FaultSpec } from './faults.js';
import { kubeconfigYaml, writeKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
import type { ResourceType } from './resources.js';
import { ApiServer, type RequestRecord } from './server.js';
import { matchesAll, parseLabelSelector } from './selectors.js';
import type { KubeObject } from './types.js';

export type { BehaviourRule, PodBehaviour } from './behaviours.js';
export type { Fault, FaultSpec } from './faults.js';
export type { RequestRecord } from './server.js';
export type { KubeObject, Deployment, ReplicaSet, Pod } from './types.js';

export interface KubeFakeOptions extends ClusterOptions {
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** Require this bearer token (written into the kubeconfig). */
  token?: string;
  /** Where to write the kubeconfig (default: a fresh temporary directory). */
  kubeconfigPath?: string;
  /** Context name in the kubeconfig (default `kube-fake`). */
  context?: string;
}

export interface KubeFake {
  /** http://127.0.0.1:<port> */
  url: string;
  kubeconfigPath: string;
  kubeconfig: string;
  cluster: Cluster;
  writeKubeconfig(path: string, options?: KubeconfigOptions): string;
  /** Pods whose image matches `image` (a glob) behave like this; newest rule wins. */
  setBehaviour(image: string, behaviour: PodBehaviour): void;
  setDefaultBehaviour(behaviour: PodBehaviour): void;
  clearBehaviours(): void;
  injectFault(fault: FaultSpec): Fault;
  clearFaults(): void;
  /** Requests served so far (method, url, status, fault id). */
  requests(): RequestRecord[];
  /** kind: `Deployment`, `deployments`, or `apps/v1/Deployment`. */
  get<T extends KubeObject = KubeObject>(kind: string, namespace: string | undefined, name: string): T | undefined;
  list<T extends KubeObject = KubeObject>(kind: string, namespace?: string, labelSelector?: string): T[];
  /** Create an object, or replace it (unconditionally, status kept) when it exists, with the API's REST semantics. */
  create<T extends KubeObject = KubeObject>(object: KubeObject): T;
  delete(kind: string, namespace: string | undefined, name: string): void;
  /** Move virtual time forward and run the controllers once. */
  advance(seconds: number): void;
  /** Drop watch history: resuming from an older resourceVersion now gets 410 Gone. */
  compact(): void;
  /** Run the controllers until `predicate` holds (bounded by timeoutMs of real time). */
  waitFor<T>(predicate: () => T | undefined | false, options?: { timeoutMs?: number; what?: string }): Promise<T>;
  /** Errors the simulated controllers hit (should stay empty). */
  controllerErrors(): string[];
  stop(): Promise<void>;
}

export function resolveKind(cluster: Cluster, kind: string): ResourceType {
  const all = cluster.registry.all();
  const slash = kind.lastIndexOf('/');
  const found =
    slash > 0
      ? cluster.registry.byKind(kind.slice(0, slash), kind.slice(slash + 1))
      : (all.find((t) => t.kind === kind && (t.group === '' || t.group === 'apps')) ??
        all.find((t) => t.kind === kind) ??
        all.find((t) => t.resource === kind.toLowerCase()));
  if (!found) throw new Error(`kube-fake: unknown kind "${kind}"`);
  return found;
}

export async function startKubeFake(options: KubeFakeOptions = {}): Promise<KubeFake> {
  const host = options.host ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host))
    throw new Error(`kube-fake listens on loopback only, not ${host}`);
  const cluster = new Cluster(options);
  const server = new ApiServer(cluster, { token: options.token });
  const url = await server.listen(options.port ?? 0, host);
  cluster.start();
  const tempDir = options.kubeconfigPath ? undefined : mkdtempSync(join(tmpdir(), 'kube-fake-'));
  const kubeconfigPath = options.kubeconfigPath ?? join(tempDir!, 'kubeconfig');
  const kubeconfigOptions = { context: options.context, token: options.token };
  writeKubeconfig(kubeconfigPath, url, kubeconfigOptions);

  const fake: KubeFake = {
    url,
    kubeconfigPath,
    kubeconfig: kubeconfigYaml(url, kubeconfigOptions),
    cluster,
    writeKubeconfig: (path, o = {}) => writeKubeconfig(path, url, { token: options.token, ...o }),
    setBehaviour: (image, behaviour) => cluster.behaviours.set({ image, behaviour }),
    setDefaultBehaviour: (behaviour) => cluster.behaviours.setDefault(behaviour),
    clearBehaviours: () => cluster.behaviours.clear(),
    injectFault: (fault) => cluster.faults.add(fault),
    clearFaults: () => cluster.faults.clear(),
    requests: () => [...server.requests],
    get: <T extends KubeObject>(kind: string, namespace: string | undefined, name: string) => {
      const type = resolveKind(cluster, kind);
      return cluster.store.get(type, type.namespaced ? (namespace ?? 'default') : '', name) as T | undefined;
    },
    list: <T extends KubeObject>(kind: string, namespace?: string, labelSelector?: string) => {
      const type = resolveKind(cluster, kind);
      const requirements = parseLabelSelector(labelSelector);
      return cluster.store
        .list(type, type.namespaced ? namespace : undefined)
        .filter((o) => matchesAll(o.metadata.labels, requirements)) as T[];
    },
    create: <T extends KubeObject>(object: KubeObject) => {
      const type = resolveKind(cluster, `${object.apiVersion ?? 'v1'}/${object.kind}`);
      const namespace = type.namespaced ? (object.metadata.namespace ?? 'default') : undefined;
      if (!cluster.store.has(type, namespace ?? '', object.metadata.name ?? '')) {
        return cluster.lifecycle.create(type, object, namespace) as T;
      }
      const { resourceVersion: _ignored, ...metadata } = object.metadata;
      return cluster.lifecycle.update(type, { ...object, metadata }, namespace, object.metadata.name!) as T;
    },
    delete: (kind, namespace, name) => {
      const type = resolveKind(cluster, kind);
      cluster.lifecycle.delete(type, type.namespaced ? (namespace ?? 'default') : undefined, name);
    },
    advance: (seconds) => {
      cluster.clock.advance(seconds * 1000);
      cluster.controllers.runPass();
    },
    compact: () => cluster.store.compact(),
    waitFor: async <T>(predicate: () => T | undefined | false, o: { timeoutMs?: number; what?: string } = {}) => {
      const deadline = Date.now() + (o.timeoutMs ?? 10_000);
      for (;;) {
        const value = predicate();
        if (value !== undefined && value !== false) return value as T;
        if (Date.now() > deadline) throw new Error(`kube-fake: timed out waiting for ${o.what ?? 'condition'}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    controllerErrors: () => [...cluster.controllers.errors],
    stop: async () => {
      cluster.stop();
      await server.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
  return fake;
}
