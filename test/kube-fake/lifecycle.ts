/**
 * REST semantics shared by the HTTP handlers, the controllers and the programmatic API: create with
 * defaults, validation and name generation; update with optimistic concurrency and the spec/status
 * split of subresources; delete with grace periods, finalizers and owner-reference propagation.
 */
import { randomSuffix } from './controller/hash.js';
import { applyDefaults } from './defaults.js';
import { alreadyExists, badRequest, conflict, invalid, notFound, STALE_OBJECT, StatusError } from './errors.js';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from './resources.js';
import type { Store } from './store.js';
import { clone, isObject, type KubeObject } from './types.js';
import { validate } from './validation.js';

export interface WriteOptions {
  dryRun?: boolean;
  /** Which part of the object the request may change. */
  subresource?: 'status' | undefined;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export const FOREGROUND = 'foregroundDeletion';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class Lifecycle {
  constructor(
    readonly store: Store,
    readonly registry: ResourceRegistry,
  ) {}

  private get namespaces(): ResourceType {
    return this.registry.byResource('', 'v1', 'namespaces')!;
  }

  /** The namespace must exist and not be terminating for namespaced creates. */
  private checkNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!type.namespaced) return;
    if (!namespace) throw badRequest('the server could not find the requested resource: a namespace is required');
    const ns = this.store.get(this.namespaces, '', namespace);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata.deletionTimestamp) {
      throw new StatusError(
        403,
        'Forbidden',
        `${type.resource}${type.group ? '.' + type.group : ''} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          kind: type.resource,
          ...(type.group ? { group: type.group } : {}),
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: `namespace ${namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
  }

  /** Body kind/apiVersion must name this endpoint's type when given. */
  checkKind(type: ResourceType, body: KubeObject): void {
    const apiVersion = apiVersionOf(type);
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`);
    }
  }

  private normalize(type: ResourceType, input: KubeObject, namespace: string | undefined): KubeObject {
    const object = clone(input);
    if (!isObject(object.metadata)) object.metadata = {};
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    if (type.namespaced) {
      if (object.metadata.namespace && namespace && object.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      object.metadata.namespace = namespace ?? object.metadata.namespace;
    } else delete object.metadata.namespace;
    for (const field of [
      'uid',
      'resourceVersion',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'selfLink',
    ] as const) {
      delete (object.metadata as Record<string, unknown>)[field];
    }
    return object;
  }

  create(type: ResourceType, input: KubeObject, namespace: string | undefined, options: WriteOptions = {}): KubeObject {
    this.checkKind(type, input);
    const object = this.normalize(type, input, type.namespaced ? (namespace ?? input.metadata?.namespace) : undefined);
    this.checkNamespace(type, object.metadata.namespace, object.metadata.name ?? object.metadata.generateName ?? '');
    if (!object.metadata.name && object.metadata.generateName) {
      for (let attempt = 0; attempt < 8; attempt++) {
        const candidate = `${object.metadata.generateName}${randomSuffix()}`;
        if (!this.store.has(type, object.metadata.namespace ?? '', candidate)) {
          object.metadata.name = candidate;
          break;
        }
      }
    }
    applyDefaults(type.kind, object);
    if (type.status && type.kind !== 'Namespace' && type.kind !== 'Service' && type.kind !== 'Pod')
      delete object.status;
    const causes = validate(type.kind, object);
    if (causes.length > 0)
      throw invalid(type.kind, type.group, object.metadata.name ?? object.metadata.generateName ?? '', causes);
    const name = object.metadata.name!;
    if (this.store.has(type, object.metadata.namespace ?? '', name)) throw alreadyExists(type, name);
    if (options.dryRun) {
      return {
        ...object,
        metadata: {
          ...object.metadata,
          uid: '00000000-0000-0000-0000-000000000000',
          creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      };
    }
    return this.store.create(type, object);
  }

  /**
   * PUT semantics. A resourceVersion in the body must match the stored one (409 Conflict otherwise);
   * without one the update is unconditional. The main resource cannot change status, `status` cannot
   * change anything else.
   */
  update(
    type: ResourceType,
    input: KubeObject,
    namespace: string | undefined,
    name: string,
    options: WriteOptions = {},
  ): KubeObject {
    this.checkKind(type, input);
    if (!isObject(input.metadata)) throw badRequest('metadata is required');
    if (input.metadata.name && input.metadata.name !== name) {
      throw badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    const ns = type.namespaced ? (namespace ?? '') : '';
    const old = this.store.get(type, ns, name);
    if (!old) throw notFound(type, name);
    const rv = input.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw conflict(type, name, STALE_OBJECT);
    if (input.metadata.uid && input.metadata.uid !== old.metadata.uid) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }

    let object: KubeObject;
    if (options.subresource === 'status') {
      object = clone(old);
      if (input.status === undefined) delete object.status;
      else object.status = clone(input.status);
    } else {
      object = this.normalize(
        type,
        { ...input, metadata: { ...input.metadata, name } },
        type.namespaced ? ns : undefined,
      );
      object.metadata.uid = old.metadata.uid;
      object.metadata.creationTimestamp = old.metadata.creationTimestamp;
      if (old.metadata.managedFields && !input.metadata.managedFields)
        object.metadata.managedFields = old.metadata.managedFields;
      applyDefaults(type.kind, object);
      if (type.status) {
        if (old.status === undefined) delete object.status;
        else object.status = clone(old.status);
      }
      const causes = validate(type.kind, object, old);
      if (causes.length > 0) throw invalid(type.kind, type.group, name, causes);
    }
    object.metadata.resourceVersion = old.metadata.resourceVersion;
    if (options.dryRun) return object;
    const stored = this.store.update(type, object);
    return this.finishDeletionIfReady(type, stored) ?? stored;
  }

  /** An object being deleted goes away once its last finalizer is removed (pods also wait for the kubelet). */
  finishDeletionIfReady(type: ResourceType, object: KubeObject): KubeObject | undefined {
    if (!object.metadata.deletionTimestamp || (object.metadata.finalizers?.length ?? 0) > 0) return undefined;
    if (type.kind === 'Pod' || type.kind === 'Namespace') return undefined;
    return this.store.remove(type, object.metadata.namespace ?? '', object.metadata.name!);
  }

  /** Returns the object as it now is (being deleted) or, when gone at once, the last state with `gone: true`. */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): { object: KubeObject; gone: boolean } {
    const ns = type.namespaced ? (namespace ?? '') : '';
    const old = this.store.get(type, ns, name);
    if (!old) throw notFound(type, name);
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== old.metadata.uid) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    if (type.kind === 'Namespace' && SYSTEM_NAMESPACES.includes(name)) {
      throw new StatusError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
        name,
        kind: 'namespaces',
      });
    }
    if (options.dryRun) return { object: old, gone: false };
    if (options.propagationPolicy === 'Orphan') this.orphanDependents(old);
    if (options.propagationPolicy === 'Foreground' && type.kind !== 'Namespace') {
      // The owner stays (deletionTimestamp + foregroundDeletion finalizer) until the garbage collector
      // has deleted its dependents, then goes.
      const marked = this.store.markDeleted(type, ns, name);
      marked.metadata.finalizers = [...new Set([...(marked.metadata.finalizers ?? []), FOREGROUND])];
      return { object: this.store.update(type, marked), gone: false };
    }

    if (type.kind === 'Namespace') {
      const marked = this.store.markDeleted(type, '', name);
      marked.status = { phase: 'Terminating' };
      return { object: this.store.update(type, marked), gone: false };
    }
    if ((old.metadata.finalizers?.length ?? 0) > 0)
      return { object: this.store.markDeleted(type, ns, name), gone: false };
    if (type.kind === 'Pod') {
      const grace =
        options.gracePeriodSeconds ??
        old.metadata.deletionGracePeriodSeconds ??
        (old.spec as { terminationGracePeriodSeconds?: number })?.terminationGracePeriodSeconds ??
        30;
      // An unscheduled pod or a zero grace period goes at once; otherwise the kubelet stops it first.
      if (grace > 0 && (old.spec as { nodeName?: string })?.nodeName)
        return { object: this.store.markDeleted(type, ns, name, grace), gone: false };
    }
    return { object: this.store.remove(type, ns, name)!, gone: true };
  }

  private orphanDependents(owner: KubeObject): void {
    const uid = owner.metadata.uid;
    for (const type of this.registry.all()) {
      for (const object of this.store.list(type)) {
        const refs = object.metadata.ownerReferences;
        if (!refs?.some((r) => r.uid === uid)) continue;
        object.metadata.ownerReferences = refs.filter((r) => r.uid !== uid);
        if (object.metadata.ownerReferences.length === 0) delete object.metadata.ownerReferences;
        this.store.update(type, object);
      }
    }
  }
}
