/**
 * The simulated control plane: kubelet, garbage collector, namespace finalizer, ReplicaSet and
 * Deployment controllers, run as one pass shortly after every change and on a fixed tick.
 */
import { isKubeObject } from '../store.js';
import { NODE_NAME, podStatus, terminationSeconds } from '../kubelet.js';
import { FOREGROUND, type Lifecycle } from '../lifecycle.js';
import { storageKey, type ResourceType } from '../resources.js';
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../types.js';
import { isDeepStrictEqual } from 'node:util';
import { type ControllerContext } from './context.js';
import { syncDeployment } from './deployment.js';
import { adoptOrphanPods, syncReplicaSet } from './replicaset.js';
import { podKillingEvents, podTransitionEvents } from './pod-events.js';
import { parseTimestamp } from '../clock.js';

/** Events older than this (virtual) are dropped, like the API server's default event TTL. */
const EVENT_TTL_MS = 60 * 60 * 1000;

export interface ManagerOptions {
  /** Real milliseconds between passes when nothing changes. */
  tickMs: number;
  onError?: (error: unknown) => void;
}

export class ControllerManager {
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private running = false;
  private rerun = false;
  private unsubscribe: (() => void) | undefined;
  private readonly podIPs = new Map<string, string>();
  private readonly deletionSeen = new Map<string, number>();
  private nextPodIP = 1;
  readonly errors: string[] = [];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly lifecycle: Lifecycle,
    private readonly options: ManagerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.schedule(), this.options.tickMs);
    this.timer.unref();
    this.unsubscribe = this.ctx.store.subscribe(() => this.schedule());
    this.schedule();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.pending);
    this.unsubscribe?.();
  }

  /** Run a pass soon (coalescing bursts of changes into one pass). */
  schedule(): void {
    if (this.running) {
      this.rerun = true;
      return;
    }
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.runPass();
    }, 2);
    this.pending.unref();
  }

  /** One synchronous pass of every controller. */
  runPass(): void {
    if (this.running) return;
    this.running = true;
    this.rerun = false;
    try {
      this.guard('kubelet', () => this.kubelet());
      this.guard('garbage-collector', () => this.collectGarbage());
      this.guard('namespace-controller', () => this.finalizeNamespaces());
      this.guard('event-ttl', () => this.expireEvents());
      for (const rs of this.ctx.store.list(this.ctx.types.replicasets) as ReplicaSet[]) {
        this.guard(`replicaset ${rs.metadata.namespace}/${rs.metadata.name}`, () => {
          adoptOrphanPods(this.ctx, rs);
          syncReplicaSet(this.ctx, rs);
        });
      }
      for (const d of this.ctx.store.list(this.ctx.types.deployments) as Deployment[]) {
        const fresh = this.ctx.store.get(this.ctx.types.deployments, d.metadata.namespace!, d.metadata.name!) as
          Deployment | undefined;
        if (fresh)
          this.guard(`deployment ${d.metadata.namespace}/${d.metadata.name}`, () => syncDeployment(this.ctx, fresh));
      }
    } finally {
      this.running = false;
    }
    if (this.rerun) this.schedule();
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e: unknown) {
      const message = `${what}: ${e instanceof Error ? e.message : String(e)}`;
      if (this.errors.length < 100) this.errors.push(message);
      this.options.onError?.(e);
    }
  }

  private podIP(uid: string): string {
    let ip = this.podIPs.get(uid);
    if (!ip) {
      const n = this.nextPodIP++;
      ip = `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
      this.podIPs.set(uid, ip);
    }
    return ip;
  }

  /** Pod status from the behaviour model; deleted pods linger for their termination time, then go. */
  private kubelet(): void {
    const { store, types, clock, behaviours } = this.ctx;
    const now = clock.now();
    for (const pod of store.list(types.pods) as Pod[]) {
      const uid = pod.metadata.uid!;
      if (pod.metadata.deletionTimestamp) {
        if (!this.deletionSeen.has(uid) && pod.spec.nodeName) podKillingEvents(this.ctx, pod);
        const seen = this.deletionSeen.get(uid) ?? now;
        this.deletionSeen.set(uid, seen);
        const scheduled = Boolean(pod.spec.nodeName);
        if (
          (!scheduled || now >= seen + terminationSeconds(pod, behaviours) * 1000) &&
          (pod.metadata.finalizers?.length ?? 0) === 0
        ) {
          store.remove(types.pods, pod.metadata.namespace!, pod.metadata.name!);
          this.deletionSeen.delete(uid);
          this.podIPs.delete(uid);
        }
        continue;
      }
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const created = store.createdMs(uid) ?? now;
      const status = podStatus(pod, created, behaviours, clock, this.podIP(uid));
      const scheduled = status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True');
      const nodeChange = scheduled && !pod.spec.nodeName;
      if (!nodeChange && isDeepStrictEqual(status, pod.status)) continue;
      const before = structuredClone(pod);
      if (nodeChange) pod.spec.nodeName = NODE_NAME;
      pod.status = status;
      const after = store.update(types.pods, pod) as Pod;
      podTransitionEvents(this.ctx, before, after);
    }
  }

  /** Background cascading deletion: an object whose owners are all gone is deleted. */
  private collectGarbage(): void {
    const { store } = this.ctx;
    const uids = new Set<string>();
    const dependents: { key: string; object: KubeObject }[] = [];
    for (const entry of store.entries()) {
      if (entry.object.metadata.uid) uids.add(entry.object.metadata.uid);
      if (entry.object.metadata.ownerReferences?.length) dependents.push(entry);
    }
    const foregroundOwners = new Set<string>();
    for (const entry of store.entries()) {
      if (entry.object.metadata.deletionTimestamp && entry.object.metadata.finalizers?.includes(FOREGROUND))
        foregroundOwners.add(entry.object.metadata.uid!);
    }
    const blocking = new Set<string>();
    for (const { key, object } of dependents) {
      const foregroundOwner = object.metadata.ownerReferences!.find((r) => foregroundOwners.has(r.uid));
      if (foregroundOwner) {
        blocking.add(foregroundOwner.uid);
        if (object.metadata.deletionTimestamp) continue;
        const type = this.typeFor(key);
        if (type) this.tryDelete(type, object, 'Foreground');
        continue;
      }
      if (object.metadata.deletionTimestamp) continue;
      if (object.metadata.ownerReferences!.some((r) => uids.has(r.uid))) continue;
      const type = this.typeFor(key);
      if (!type || !isKubeObject(object)) continue;
      this.tryDelete(type, object, 'Background');
    }
    // Owners deleted in the foreground go once no dependent is left.
    for (const type of this.uniqueTypes()) {
      for (const owner of store.list(type)) {
        const uid = owner.metadata.uid!;
        if (!foregroundOwners.has(uid) || blocking.has(uid)) continue;
        owner.metadata.finalizers = owner.metadata.finalizers!.filter((f) => f !== FOREGROUND);
        if (owner.metadata.finalizers.length === 0) delete owner.metadata.finalizers;
        const updated = store.update(type, owner);
        this.lifecycle.finishDeletionIfReady(type, updated);
      }
    }
  }

  private tryDelete(type: ResourceType, object: KubeObject, propagationPolicy: 'Background' | 'Foreground'): void {
    try {
      this.lifecycle.delete(type, object.metadata.namespace, object.metadata.name!, { propagationPolicy });
    } catch {
      // already gone
    }
  }

  private expireEvents(): void {
    const { store, types, clock, eventIndex } = this.ctx;
    const cutoff = clock.now() - EVENT_TTL_MS;
    for (const event of store.list(types.events)) {
      const last = parseTimestamp(event.lastTimestamp) ?? parseTimestamp(event.metadata.creationTimestamp) ?? 0;
      if (last >= cutoff) continue;
      store.remove(types.events, event.metadata.namespace!, event.metadata.name!);
      for (const [key, name] of eventIndex) if (name === event.metadata.name) eventIndex.delete(key);
    }
  }

  /** A terminating namespace empties itself, then disappears. */
  private finalizeNamespaces(): void {
    const { store, types } = this.ctx;
    for (const ns of store.list(types.namespaces)) {
      if (!ns.metadata.deletionTimestamp) continue;
      const name = ns.metadata.name!;
      let remaining = 0;
      for (const type of this.namespacedTypes()) {
        for (const object of store.list(type, name)) {
          remaining++;
          if (object.metadata.deletionTimestamp) continue;
          try {
            this.lifecycle.delete(type, name, object.metadata.name!, {});
          } catch {
            // raced with another deletion
          }
        }
      }
      if (remaining === 0 && (ns.metadata.finalizers?.length ?? 0) === 0) store.remove(types.namespaces, '', name);
    }
  }

  private namespacedTypes(): ResourceType[] {
    return this.uniqueTypes().filter((t) => t.namespaced);
  }

  /** One type per stored group/resource. */
  private uniqueTypes(): ResourceType[] {
    const seen = new Set<string>();
    return this.ctx.registry.all().filter((t) => {
      if (seen.has(storageKey(t))) return false;
      seen.add(storageKey(t));
      return true;
    });
  }

  private typeFor(key: string): ResourceType | undefined {
    return this.ctx.registry.all().find((t) => storageKey(t) === key);
  }
}
