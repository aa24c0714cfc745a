/**
 * The fake's etcd: objects by resource type, a global resourceVersion counter and a bounded log of
 * change events that watches replay from. It enforces identity (uid, resourceVersion, generation,
 * creationTimestamp) but no REST semantics; handlers.ts does that.
 */
import { randomUUID } from 'node:crypto';
import { FakeClock } from './clock.js';
import { storageKey, type ResourceType } from './resources.js';
import { clone, isObject, type KubeObject } from './types.js';
import { isDeepStrictEqual } from 'node:util';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  /** `group/resource`, shared by every version of a kind. */
  key: string;
  namespace: string;
  object: KubeObject;
  /** The object before a MODIFIED event (watch filters send DELETED/ADDED when it leaves/enters a selector). */
  previous?: KubeObject;
  resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

export class Store {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly log: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private readonly createdAt = new Map<string, number>();
  private revision: number;
  /** Events at or below this resourceVersion are no longer in the log (a watch from there gets 410). */
  private compactedThrough: number;

  constructor(
    private readonly clock: FakeClock,
    private readonly historyLimit = 10_000,
    firstRevision = 1000,
  ) {
    this.revision = firstRevision;
    this.compactedThrough = firstRevision;
  }

  get resourceVersion(): number {
    return this.revision;
  }

  get oldestWatchableRevision(): number {
    return this.compactedThrough;
  }

  private bucket(type: Pick<ResourceType, 'group' | 'resource'>): Map<string, KubeObject> {
    const key = storageKey(type);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    return bucket;
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const found = this.bucket(type).get(`${namespace}/${name}`);
    return found ? clone(found) : undefined;
  }

  has(type: ResourceType, namespace: string, name: string): boolean {
    return this.bucket(type).has(`${namespace}/${name}`);
  }

  /** Objects in `namespace` (all namespaces when undefined), ordered like etcd keys. */
  list(type: Pick<ResourceType, 'group' | 'resource'>, namespace?: string): KubeObject[] {
    const items: [string, KubeObject][] = [];
    for (const [key, object] of this.bucket(type)) {
      if (namespace === undefined || key.startsWith(`${namespace}/`)) items.push([key, object]);
    }
    items.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return items.map(([, object]) => clone(object));
  }

  /** Every stored object with its group/resource key (for the garbage collector). */
  *entries(): Generator<{ key: string; object: KubeObject }> {
    for (const [key, bucket] of this.objects) for (const object of bucket.values()) yield { key, object };
  }

  /** Virtual milliseconds at which the object with this uid was created (finer than creationTimestamp). */
  createdMs(uid: string | undefined): number | undefined {
    return uid ? this.createdAt.get(uid) : undefined;
  }

  create(type: ResourceType, input: KubeObject): KubeObject {
    const object = clone(input);
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name!;
    const now = this.clock.now();
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = this.clock.timestamp(now);
    if (type.generation) object.metadata.generation = 1;
    else delete object.metadata.generation;
    object.metadata.resourceVersion = String(++this.revision);
    this.createdAt.set(object.metadata.uid, now);
    this.bucket(type).set(`${namespace}/${name}`, object);
    this.emit('ADDED', type, namespace, object);
    return clone(object);
  }

  /**
   * Replace the stored object. Identity fields are kept from the stored copy; generation is bumped when
   * the kind maintains it and anything outside metadata and status changed. A no-op write keeps the
   * resourceVersion and emits nothing, like the API server.
   */
  update(type: ResourceType, input: KubeObject): KubeObject {
    const namespace = input.metadata.namespace ?? '';
    const name = input.metadata.name!;
    const bucket = this.bucket(type);
    const old = bucket.get(`${namespace}/${name}`);
    if (!old) throw new Error(`store.update: ${storageKey(type)} ${namespace}/${name} does not exist`);
    const object = clone(input);
    object.metadata.uid = old.metadata.uid;
    object.metadata.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) object.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    if (type.generation) {
      object.metadata.generation = (old.metadata.generation ?? 1) + (specChanged(old, object) ? 1 : 0);
    } else delete object.metadata.generation;
    object.metadata.resourceVersion = old.metadata.resourceVersion;
    if (isDeepStrictEqual(object, old)) return clone(old);
    object.metadata.resourceVersion = String(++this.revision);
    bucket.set(`${namespace}/${name}`, object);
    this.emit('MODIFIED', type, namespace, object, old);
    return clone(object);
  }

  /** Mark for deletion (finalizers or graceful pods): the object stays until `remove`. */
  markDeleted(type: ResourceType, namespace: string, name: string, gracePeriodSeconds?: number): KubeObject {
    const bucket = this.bucket(type);
    const old = bucket.get(`${namespace}/${name}`);
    if (!old) throw new Error(`store.markDeleted: ${namespace}/${name} does not exist`);
    if (old.metadata.deletionTimestamp) return clone(old);
    const object = clone(old);
    const grace = gracePeriodSeconds ?? 0;
    object.metadata.deletionTimestamp = this.clock.timestamp(this.clock.now() + grace * 1000);
    if (gracePeriodSeconds !== undefined) object.metadata.deletionGracePeriodSeconds = gracePeriodSeconds;
    if (type.generation) object.metadata.generation = (object.metadata.generation ?? 1) + 1;
    object.metadata.resourceVersion = String(++this.revision);
    bucket.set(`${namespace}/${name}`, object);
    this.emit('MODIFIED', type, namespace, object, old);
    return clone(object);
  }

  remove(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const bucket = this.bucket(type);
    const old = bucket.get(`${namespace}/${name}`);
    if (!old) return undefined;
    bucket.delete(`${namespace}/${name}`);
    const object = clone(old);
    object.metadata.resourceVersion = String(++this.revision);
    this.createdAt.delete(object.metadata.uid ?? '');
    this.emit('DELETED', type, namespace, object);
    return clone(object);
  }

  /** Events after `resourceVersion` for one group/resource, or undefined when they were compacted away. */
  eventsSince(key: string, resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.compactedThrough) return undefined;
    return this.log.filter((e) => e.key === key && e.resourceVersion > resourceVersion);
  }

  /** Forget the event history (like etcd compaction): older resourceVersions can no longer be watched from. */
  compact(): void {
    this.log.length = 0;
    this.compactedThrough = this.revision;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(
    type: EventType,
    resource: ResourceType,
    namespace: string,
    object: KubeObject,
    previous?: KubeObject,
  ): void {
    const event: StoreEvent = {
      type,
      key: storageKey(resource),
      namespace,
      object: clone(object),
      ...(previous ? { previous: clone(previous) } : {}),
      resourceVersion: Number(object.metadata.resourceVersion),
    };
    this.log.push(event);
    if (this.log.length > this.historyLimit) {
      const dropped = this.log.splice(0, this.log.length - this.historyLimit);
      this.compactedThrough = dropped[dropped.length - 1]!.resourceVersion;
    }
    for (const listener of this.listeners) listener(event);
  }
}

/** Everything but metadata and status counts as spec (Deployments, ReplicaSets, custom resources). */
export function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const rest: Record<string, unknown> = { ...o };
    delete rest.metadata;
    delete rest.status;
    delete rest.apiVersion;
    delete rest.kind;
    return rest;
  };
  return !isDeepStrictEqual(strip(a), strip(b));
}

export function isKubeObject(value: unknown): value is KubeObject {
  return isObject(value) && isObject(value.metadata);
}
