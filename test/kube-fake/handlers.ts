/** The REST verbs for every resource: get, list, create, update, patch, apply, delete, watch, and subresources. */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import * as yaml from 'js-yaml';
import { ApplyConflictError, recordUpdate, serverSideApply } from './apply.js';
import type { BehaviourRegistry } from './behaviours.js';
import type { FakeClock } from './clock.js';
import {
  badRequest,
  conflict,
  gone,
  invalid,
  methodNotAllowed,
  notFound,
  StatusError,
  unsupportedMediaType,
} from './errors.js';
import type { Lifecycle } from './lifecycle.js';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.js';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from './resources.js';
import type { ResourceRoute } from './routes.js';
import {
  matchesAll,
  matchesFields,
  parseFieldSelector,
  parseLabelSelector,
  selectorToString,
  SelectorSyntaxError,
} from './selectors.js';
import type { Store } from './store.js';
import { clone, isObject, type JsonObject, type KubeObject, type Pod } from './types.js';
import { serveWatch } from './watch.js';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ApiRequest {
  method: string;
  route: ResourceRoute;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HandlerDeps {
  store: Store;
  registry: ResourceRegistry;
  lifecycle: Lifecycle;
  clock: FakeClock;
  behaviours: BehaviourRegistry;
  bookmarkIntervalMs: number;
}

/** Kinds whose list items the API server sends without kind/apiVersion (typed lists); custom ones keep them. */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'apiextensions.k8s.io',
  'events.k8s.io',
  'coordination.k8s.io',
]);

function mediaType(headers: IncomingHttpHeaders): string {
  return String(headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

export function parseBody(body: Buffer, contentType: string): unknown {
  const text = body.toString('utf8');
  if (!text.trim()) throw badRequest('the request body is empty');
  try {
    if (contentType.includes('yaml')) return yaml.load(text);
    return JSON.parse(text);
  } catch (e: unknown) {
    throw badRequest(`the body of the request could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function asObject(value: unknown): KubeObject {
  if (!isObject(value)) throw badRequest('the request body must be a JSON object');
  if (value.metadata !== undefined && !isObject(value.metadata)) throw badRequest('metadata must be an object');
  return { ...value, metadata: (value.metadata ?? {}) as KubeObject['metadata'] };
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid ${name} "${raw}"`);
  return n;
}

export class ResourceHandlers {
  constructor(private readonly deps: HandlerDeps) {}

  private type(route: ResourceRoute): ResourceType {
    const type = this.deps.registry.byResource(route.group, route.version, route.resource);
    if (!type) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
    return type;
  }

  private withKind(type: ResourceType, o: KubeObject): KubeObject {
    return { apiVersion: apiVersionOf(type), kind: type.kind, ...o };
  }

  private manager(req: ApiRequest): string {
    const explicit = req.query.get('fieldManager');
    if (explicit) return explicit;
    const agent = String(req.headers['user-agent'] ?? 'unknown');
    return agent.split('/')[0]!.trim() || 'unknown';
  }

  private dryRun(req: ApiRequest): boolean {
    const value = req.query.get('dryRun');
    if (value === null) return false;
    if (value !== 'All') throw badRequest(`Invalid dry run value: ${value}; supported values: All`);
    return true;
  }

  /** Serve one request; returns undefined when it became a watch stream. */
  handle(req: ApiRequest, res: ServerResponse, onClose: (fn: () => void) => void): Reply | undefined {
    const { route, method } = req;
    const type = this.type(route);
    if (route.namespace !== undefined && !type.namespaced)
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
    const namespace = type.namespaced ? route.namespace : undefined;
    const isWatch = route.watchPrefix || req.query.get('watch') === 'true' || req.query.get('watch') === '1';

    if (route.subresource) return this.subresource(req, type, namespace);
    if (!route.name) {
      if (method === 'GET' && isWatch) return this.watch(req, type, namespace, res, onClose);
      if (method === 'GET') return this.list(req, type, namespace);
      if (method === 'POST') return this.create(req, type, namespace);
      if (method === 'DELETE') return this.deleteCollection(req, type, namespace);
      throw methodNotAllowed();
    }
    if (isWatch && method === 'GET') {
      const withName = new URLSearchParams(req.query);
      withName.set(
        'fieldSelector',
        [req.query.get('fieldSelector'), `metadata.name=${route.name}`].filter(Boolean).join(','),
      );
      return this.watch({ ...req, query: withName }, type, namespace, res, onClose);
    }
    switch (method) {
      case 'GET':
        return { status: 200, body: this.withKind(type, this.get(type, namespace, route.name)) };
      case 'PUT':
        return this.update(req, type, namespace, route.name);
      case 'PATCH':
        return this.patch(req, type, namespace, route.name);
      case 'DELETE':
        return this.delete(req, type, namespace, route.name);
      case 'POST':
        throw methodNotAllowed();
      default:
        throw methodNotAllowed();
    }
  }

  private get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.deps.store.get(type, namespace ?? '', name);
    if (!found) throw notFound(type, name);
    return found;
  }

  private selectors(query: URLSearchParams) {
    try {
      return {
        labels: parseLabelSelector(query.get('labelSelector')),
        fields: parseFieldSelector(query.get('fieldSelector')),
      };
    } catch (e: unknown) {
      if (e instanceof SelectorSyntaxError) throw badRequest(`unable to parse requirement: ${e.message}`);
      throw e;
    }
  }

  private list(req: ApiRequest, type: ResourceType, namespace: string | undefined): Reply {
    const { labels, fields } = this.selectors(req.query);
    const limit = intParam(req.query, 'limit');
    const cont = req.query.get('continue');
    let items = this.deps.store
      .list(type, namespace)
      .filter((o) => matchesAll(o.metadata.labels, labels) && matchesFields(o, fields));
    const resourceVersion = String(this.deps.store.resourceVersion);
    if (cont) {
      let after: { rv: number; key: string };
      try {
        after = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { rv: number; key: string };
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
      if (after.rv < this.deps.store.oldestWatchableRevision) {
        throw gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > after.key);
    }
    const metadata: JsonObject = { resourceVersion };
    if (limit && items.length > limit) {
      const last = items[limit - 1]!;
      metadata.continue = Buffer.from(
        JSON.stringify({ rv: Number(resourceVersion), key: `${last.metadata.namespace ?? ''}/${last.metadata.name}` }),
      ).toString('base64url');
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    const stripKind = BUILT_IN_GROUPS.has(type.group);
    return {
      status: 200,
      body: {
        kind: `${type.kind}List`,
        apiVersion: apiVersionOf(type),
        metadata,
        items: items.map((o) =>
          stripKind ? (({ apiVersion: _a, kind: _k, ...rest }) => rest)(o) : this.withKind(type, o),
        ),
      },
    };
  }

  private watch(
    req: ApiRequest,
    type: ResourceType,
    namespace: string | undefined,
    res: ServerResponse,
    onClose: (fn: () => void) => void,
  ): undefined {
    const { labels, fields } = this.selectors(req.query);
    serveWatch(
      this.deps.store,
      {
        type,
        namespace,
        labels,
        fields,
        resourceVersion: req.query.get('resourceVersion') ?? undefined,
        allowBookmarks: req.query.get('allowWatchBookmarks') === 'true',
        timeoutSeconds: intParam(req.query, 'timeoutSeconds'),
        bookmarkIntervalMs: this.deps.bookmarkIntervalMs,
      },
      res,
      onClose,
    );
    return undefined;
  }

  private create(req: ApiRequest, type: ResourceType, namespace: string | undefined): Reply {
    const body = asObject(parseBody(req.body, mediaType(req.headers)));
    body.metadata.managedFields = recordUpdate(
      undefined,
      body,
      this.manager(req),
      apiVersionOf(type),
      this.deps.clock.timestamp(),
    );
    const created = this.deps.lifecycle.create(type, body, namespace, { dryRun: this.dryRun(req) });
    return { status: 201, body: this.withKind(type, created) };
  }

  private update(
    req: ApiRequest,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource?: 'status',
  ): Reply {
    const body = asObject(parseBody(req.body, mediaType(req.headers)));
    const current = this.get(type, namespace, name);
    body.metadata.managedFields = recordUpdate(
      current,
      body,
      this.manager(req),
      apiVersionOf(type),
      this.deps.clock.timestamp(),
      subresource,
    );
    const updated = this.deps.lifecycle.update(type, body, namespace, name, { dryRun: this.dryRun(req), subresource });
    return { status: 200, body: this.withKind(type, updated) };
  }

  /** The object a PATCH produces, by content type. */
  private patched(req: ApiRequest, type: ResourceType, current: KubeObject): KubeObject {
    const contentType = mediaType(req.headers);
    const patch = parseBody(req.body, contentType === 'application/apply-patch+yaml' ? 'yaml' : 'json');
    try {
      switch (contentType) {
        case 'application/json-patch+json':
          return asObject(jsonPatch(current, patch));
        case 'application/merge-patch+json':
          return asObject(mergePatch(current, patch));
        case 'application/strategic-merge-patch+json':
          if (!BUILT_IN_GROUPS.has(type.group)) {
            throw new StatusError(
              415,
              'UnsupportedMediaType',
              'strategic merge patch is not supported for custom resources; use a merge patch or server-side apply',
            );
          }
          return asObject(strategicMergePatch(current, patch));
        default:
          throw unsupportedMediaType(contentType);
      }
    } catch (e: unknown) {
      if (e instanceof PatchError) {
        if (e.code === 400) throw badRequest(e.message);
        throw new StatusError(
          422,
          'Invalid',
          `${type.kind}${type.group ? '.' + type.group : ''} "${current.metadata.name}" is invalid: ${e.message}`,
          { name: current.metadata.name, kind: type.kind },
        );
      }
      throw e;
    }
  }

  private patch(
    req: ApiRequest,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource?: 'status',
  ): Reply {
    if (mediaType(req.headers) === 'application/apply-patch+yaml')
      return this.apply(req, type, namespace, name, subresource);
    const current = this.get(type, namespace, name);
    const result = this.patched(req, type, current);
    result.metadata.managedFields = recordUpdate(
      current,
      result,
      this.manager(req),
      apiVersionOf(type),
      this.deps.clock.timestamp(),
      subresource,
    );
    const updated = this.deps.lifecycle.update(type, result, namespace, name, {
      dryRun: this.dryRun(req),
      subresource,
    });
    return { status: 200, body: this.withKind(type, updated) };
  }

  private apply(
    req: ApiRequest,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource?: 'status',
  ): Reply {
    const manager = req.query.get('fieldManager');
    if (!manager) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        { reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' },
      ]);
    }
    const force = req.query.get('force') === 'true';
    const config = asObject(parseBody(req.body, 'yaml'));
    if (config.apiVersion !== apiVersionOf(type) || config.kind !== type.kind) {
      throw badRequest(
        `the API version in the data (${String(config.apiVersion)}) and kind (${String(config.kind)}) do not match the request (${apiVersionOf(type)}, ${type.kind})`,
      );
    }
    if (config.metadata.name !== undefined && config.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(config.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    if (type.namespaced && config.metadata.namespace !== undefined && config.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const live = this.deps.store.get(type, namespace ?? '', name);
    if (!live && subresource) throw notFound(type, name);
    let result;
    try {
      result = serverSideApply(
        live,
        config,
        manager,
        force,
        apiVersionOf(type),
        this.deps.clock.timestamp(),
        subresource,
      );
    } catch (e: unknown) {
      if (e instanceof ApplyConflictError) {
        throw new StatusError(409, 'Conflict', e.message, {
          causes: e.conflicts.map((c) => ({
            reason: 'FieldManagerConflict',
            message: `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}`,
            field: c.field,
          })),
        });
      }
      throw e;
    }
    const object = result.object;
    object.metadata = { ...object.metadata, name, managedFields: result.managedFields };
    if (!live) {
      const created = this.deps.lifecycle.create(type, object, namespace, { dryRun: this.dryRun(req) });
      return { status: 201, body: this.withKind(type, created) };
    }
    if (config.metadata.resourceVersion === undefined) object.metadata.resourceVersion = live.metadata.resourceVersion;
    const updated = this.deps.lifecycle.update(type, object, namespace, name, {
      dryRun: this.dryRun(req),
      subresource,
    });
    return { status: 200, body: this.withKind(type, updated) };
  }

  private deleteOptions(req: ApiRequest) {
    let body: JsonObject = {};
    if (req.body.length > 0 && req.body.toString('utf8').trim()) {
      const parsed = parseBody(req.body, mediaType(req.headers));
      if (isObject(parsed)) body = parsed;
    }
    const grace =
      intParam(req.query, 'gracePeriodSeconds') ??
      (typeof body.gracePeriodSeconds === 'number' ? body.gracePeriodSeconds : undefined);
    const policy =
      req.query.get('propagationPolicy') ??
      (typeof body.propagationPolicy === 'string' ? body.propagationPolicy : undefined);
    if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}"`);
    }
    const orphan = req.query.get('orphanDependents') === 'true' || body.orphanDependents === true;
    return {
      dryRun: this.dryRun(req) || (Array.isArray(body.dryRun) && body.dryRun.includes('All')),
      gracePeriodSeconds: grace,
      propagationPolicy: (orphan ? 'Orphan' : policy) as 'Orphan' | 'Background' | 'Foreground' | undefined,
      preconditions: isObject(body.preconditions)
        ? (body.preconditions as { uid?: string; resourceVersion?: string })
        : undefined,
    };
  }

  private delete(req: ApiRequest, type: ResourceType, namespace: string | undefined, name: string): Reply {
    const { object, gone: isGone } = this.deps.lifecycle.delete(type, namespace, name, this.deleteOptions(req));
    if (!isGone) return { status: 200, body: this.withKind(type, object) };
    return {
      status: 200,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, ...(type.group ? { group: type.group } : {}), kind: type.resource, uid: object.metadata.uid },
      },
    };
  }

  private deleteCollection(req: ApiRequest, type: ResourceType, namespace: string | undefined): Reply {
    const { labels, fields } = this.selectors(req.query);
    const options = this.deleteOptions(req);
    const deleted: KubeObject[] = [];
    for (const o of this.deps.store.list(type, namespace)) {
      if (!matchesAll(o.metadata.labels, labels) || !matchesFields(o, fields)) continue;
      try {
        deleted.push(
          this.deps.lifecycle.delete(type, namespace ?? o.metadata.namespace, o.metadata.name!, options).object,
        );
      } catch (e: unknown) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    return {
      status: 200,
      body: {
        kind: `${type.kind}List`,
        apiVersion: apiVersionOf(type),
        metadata: { resourceVersion: String(this.deps.store.resourceVersion) },
        items: deleted,
      },
    };
  }

  // ---------- subresources ----------

  private subresource(req: ApiRequest, type: ResourceType, namespace: string | undefined): Reply {
    const { route, method } = req;
    const name = route.name!;
    const sub = route.subresource!;
    if (sub === 'status' && type.status) {
      if (method === 'GET') return { status: 200, body: this.withKind(type, this.get(type, namespace, name)) };
      if (method === 'PUT') return this.update(req, type, namespace, name, 'status');
      if (method === 'PATCH') return this.patch(req, type, namespace, name, 'status');
      throw methodNotAllowed();
    }
    if (sub === 'scale' && type.scale) return this.scale(req, type, namespace, name);
    if (sub === 'log' && type.kind === 'Pod' && method === 'GET')
      return this.logs(req, this.get(type, namespace, name) as Pod);
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  }

  private scaleOf(type: ResourceType, o: KubeObject): KubeObject {
    const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
    const status = (o.status ?? {}) as { replicas?: number };
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: spec.replicas ?? 0 },
      status: { replicas: status.replicas ?? 0, selector: selectorToString(spec.selector) },
    };
  }

  private scale(req: ApiRequest, type: ResourceType, namespace: string | undefined, name: string): Reply {
    const current = this.get(type, namespace, name);
    const scale = this.scaleOf(type, current);
    if (req.method === 'GET') return { status: 200, body: scale };
    let wanted: KubeObject;
    if (req.method === 'PUT') wanted = asObject(parseBody(req.body, mediaType(req.headers)));
    else if (req.method === 'PATCH') {
      const contentType = mediaType(req.headers);
      const patch = parseBody(req.body, contentType.includes('yaml') ? 'yaml' : 'json');
      try {
        if (contentType === 'application/json-patch+json') wanted = asObject(jsonPatch(scale, patch));
        else if (contentType === 'application/merge-patch+json') wanted = asObject(mergePatch(scale, patch));
        else if (contentType === 'application/strategic-merge-patch+json')
          wanted = asObject(strategicMergePatch(scale, patch));
        else if (contentType === 'application/apply-patch+yaml') wanted = asObject(mergePatch(scale, patch));
        else throw unsupportedMediaType(contentType);
      } catch (e: unknown) {
        if (e instanceof PatchError) throw badRequest(e.message);
        throw e;
      }
    } else throw methodNotAllowed();
    const rv = wanted.metadata.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion)
      throw conflict(
        type,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    const replicas = (wanted.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', 'autoscaling', name, [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          field: 'spec.replicas',
        },
      ]);
    }
    const next = clone(current);
    (next.spec as { replicas?: number }).replicas = replicas;
    next.metadata.managedFields = recordUpdate(
      current,
      next,
      this.manager(req),
      apiVersionOf(type),
      this.deps.clock.timestamp(),
    );
    const updated = this.deps.lifecycle.update(type, next, namespace, name, { dryRun: this.dryRun(req) });
    return { status: 200, body: this.scaleOf(type, updated) };
  }

  private logs(req: ApiRequest, pod: Pod): Reply {
    const containers = pod.spec.containers ?? [];
    const wanted = req.query.get('container') ?? (containers.length === 1 ? containers[0]!.name : undefined);
    if (!wanted) {
      throw badRequest(
        `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
      );
    }
    const container = containers.find((c) => c.name === wanted);
    if (!container) throw badRequest(`container ${wanted} is not valid for pod ${pod.metadata.name}`);
    const status = pod.status?.containerStatuses?.find((s) => s.name === wanted);
    const previous = req.query.get('previous') === 'true';
    if (previous && !status?.lastState?.terminated)
      throw badRequest(`previous terminated container "${wanted}" in pod "${pod.metadata.name}" not found`);
    if (!previous && status?.state.waiting && !status.lastState?.terminated) {
      throw badRequest(
        `container "${wanted}" in pod "${pod.metadata.name}" is waiting to start: ${status.state.waiting.reason}`,
      );
    }
    let text = this.deps.behaviours.forImage(container.image ?? '').logs;
    const tail = intParam(req.query, 'tailLines');
    if (tail !== undefined) text = text.split('\n').filter(Boolean).slice(-tail).join('\n') + (tail > 0 ? '\n' : '');
    return { status: 200, body: text, headers: { 'Content-Type': 'text/plain' } };
  }
}
