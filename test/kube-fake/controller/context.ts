/** What the simulated controllers share: the store, the clock, typed access to the kinds they touch, events. */
import { randomBytes } from 'node:crypto';
import type { FakeClock } from '../clock.js';
import type { ResourceRegistry, ResourceType } from '../resources.js';
import { apiVersionOf } from '../resources.js';
import type { Store } from '../store.js';
import type { BehaviourRegistry } from '../behaviours.js';
import type { Condition, KubeObject } from '../types.js';

export interface ControllerContext {
  store: Store;
  clock: FakeClock;
  registry: ResourceRegistry;
  behaviours: BehaviourRegistry;
  types: {
    deployments: ResourceType;
    replicasets: ResourceType;
    pods: ResourceType;
    events: ResourceType;
    namespaces: ResourceType;
  };
  /** Create a pod the way the API server would (defaults, name generation, validation). */
  createPod: (pod: KubeObject) => KubeObject;
  /** Event name by involved object + reason + message, so repeats bump `count` like the EventRecorder. */
  eventIndex: Map<string, string>;
}

export function resolveTypes(registry: ResourceRegistry): ControllerContext['types'] {
  const get = (group: string, version: string, resource: string) => {
    const t = registry.byResource(group, version, resource);
    if (!t) throw new Error(`missing built-in resource ${group}/${version}/${resource}`);
    return t;
  };
  return {
    deployments: get('apps', 'v1', 'deployments'),
    replicasets: get('apps', 'v1', 'replicasets'),
    pods: get('', 'v1', 'pods'),
    events: get('', 'v1', 'events'),
    namespaces: get('', 'v1', 'namespaces'),
  };
}

export function controllerUid(o: KubeObject): string | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

export function controllerRef(owner: KubeObject, type: ResourceType) {
  return {
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function getCondition<T extends { conditions?: Condition[] }>(
  status: T | undefined,
  type: string,
): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** core/v1 Event for `involved`, like an EventRecorder: repeats of the same event bump count and lastTimestamp. */
export function recordEvent(
  ctx: ControllerContext,
  involved: KubeObject,
  involvedType: ResourceType,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component: string,
): void {
  const now = ctx.clock.timestamp();
  const namespace = involved.metadata.namespace ?? 'default';
  const key = `${involved.metadata.uid}|${type}|${reason}|${message}`;
  const existingName = ctx.eventIndex.get(key);
  const existing = existingName ? ctx.store.get(ctx.types.events, namespace, existingName) : undefined;
  if (existing) {
    existing.count = ((existing.count as number | undefined) ?? 1) + 1;
    existing.lastTimestamp = now;
    ctx.store.update(ctx.types.events, existing);
    return;
  }
  const name = `${involved.metadata.name}.${randomBytes(8).toString('hex')}`;
  ctx.eventIndex.set(key, name);
  ctx.store.create(ctx.types.events, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: {
      kind: involvedType.kind,
      namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: apiVersionOf(involvedType),
      resourceVersion: involved.metadata.resourceVersion,
    },
    reason,
    message,
    source: { component },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: component,
    reportingInstance: '',
  });
}

/** Go's omitempty on integer status fields: the API server never sends a zero there. */
export function omitZero<T extends object>(status: T, keys: (keyof T)[]): T {
  for (const key of keys) if (status[key] === 0 || status[key] === undefined) delete status[key];
  return status;
}
