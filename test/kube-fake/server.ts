/**
 * The HTTP front: authentication (optional bearer token), fault injection, the request log, the
 * `/_fake/*` control endpoints, API discovery, and the resource handlers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { BehaviourRule, PodBehaviour } from './behaviours.js';
import type { Cluster } from './cluster.js';
import { coreVersions, group, groupList, resourceList, versionInfo } from './discovery.js';
import { badRequest, internalError, StatusError, unauthorized } from './errors.js';
import { faultError, type FaultSpec } from './faults.js';
import { parseBody, type Reply } from './handlers.js';
import { parseRoute } from './routes.js';
import { isObject } from './types.js';

export interface RequestRecord {
  method: string;
  /** Path and query. */
  url: string;
  status: number;
  contentType?: string;
  /** The fault that answered it, if one did. */
  fault?: number;
  userAgent?: string;
}

export interface ServerOptions {
  /** When set, API requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Requests remembered for `requests()` (oldest dropped first). */
  requestLogLimit?: number;
}

const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new StatusError(413, 'RequestEntityTooLarge', 'the request body is too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

export class ApiServer {
  readonly requests: RequestRecord[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly closers = new Set<() => void>();

  constructor(
    private readonly cluster: Cluster,
    private readonly options: ServerOptions = {},
  ) {
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((e: unknown) =>
        send(res, 500, internalError(e instanceof Error ? e.message : String(e)).toStatus()),
      );
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(port: number, host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        if (!address || typeof address === 'string') return reject(new Error('no address'));
        resolve(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
      });
    });
  }

  async close(): Promise<void> {
    for (const close of this.closers) close();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(req: IncomingMessage, status: number, fault?: number): void {
    this.requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      status,
      ...(req.headers['content-type'] ? { contentType: String(req.headers['content-type']) } : {}),
      ...(fault ? { fault } : {}),
      ...(req.headers['user-agent'] ? { userAgent: String(req.headers['user-agent']) } : {}),
    });
    const limit = this.options.requestLogLimit ?? 5000;
    if (this.requests.length > limit) this.requests.splice(0, this.requests.length - limit);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kube-fake');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/_fake/')) return this.control(req, res, url, method);

    let status = 200;
    let faultId: number | undefined;
    try {
      if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`) throw unauthorized();
      const fault = this.cluster.faults.take(method, url.pathname);
      if (fault) {
        faultId = fault.id;
        if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault.reset) {
          status = 0;
          req.socket.destroy();
          return;
        }
        if (fault.status !== undefined) {
          const route = parseRoute(url.pathname);
          const target =
            route.kind === 'resource'
              ? { group: route.route.group, resource: route.route.resource, name: route.route.name ?? '' }
              : { group: '', resource: '', name: '' };
          throw faultError(fault, target);
        }
      }
      const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? await readBody(req) : Buffer.alloc(0);
      const reply = this.dispatch(method, url, req, res, body);
      if (!reply) return; // a watch stream owns the response now
      status = reply.status;
      send(res, reply.status, reply.body, reply.headers);
    } catch (e: unknown) {
      const error = e instanceof StatusError ? e : internalError(e instanceof Error ? e.message : String(e));
      status = error.code;
      send(res, error.code, error.toStatus(), error.headers);
    } finally {
      this.record(req, status, faultId);
    }
  }

  private dispatch(
    method: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ): Reply | undefined {
    const route = parseRoute(url.pathname);
    const registry = this.cluster.registry;
    const notFound = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
    const readOnly = (value: unknown): Reply => {
      if (method !== 'GET')
        throw new StatusError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
          {},
        );
      if (value === undefined) throw notFound();
      return { status: 200, body: value };
    };
    switch (route.kind) {
      case 'version':
        return readOnly(versionInfo());
      case 'health':
        return { status: 200, body: 'ok', headers: { 'Content-Type': 'text/plain' } };
      case 'coreVersions':
        return readOnly(coreVersions(req.headers.host ?? '127.0.0.1'));
      case 'groupList':
        return readOnly(groupList(registry));
      case 'group':
        return readOnly(group(registry, route.group));
      case 'resourceList':
        return readOnly(resourceList(registry, route.group, route.version));
      case 'openapi':
        throw notFound();
      case 'unknown':
        throw notFound();
      case 'resource':
        return this.cluster.handlers.handle(
          { method, route: route.route, query: url.searchParams, headers: req.headers, body },
          res,
          (close) => {
            this.closers.add(close);
            res.on('close', () => this.closers.delete(close));
          },
        );
    }
  }

  /** Test control: behaviours, faults, time, compaction, the request log. Never faulted, never authenticated. */
  private async control(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    try {
      const body = method === 'POST' || method === 'PUT' ? await readBody(req) : Buffer.alloc(0);
      const json = () => {
        const parsed = parseBody(body, 'json');
        if (!isObject(parsed)) throw badRequest('expected a JSON object');
        return parsed;
      };
      const path = url.pathname.replace(/\/+$/, '');
      const { cluster } = this;
      if (path === '/_fake/behaviours' && method === 'GET') return send(res, 200, { rules: cluster.behaviours.list() });
      if (path === '/_fake/behaviours' && method === 'POST') {
        const { image, ...behaviour } = json();
        if (typeof image !== 'string' || !image)
          throw badRequest('"image" (a glob over the image reference) is required');
        cluster.behaviours.set({ image, behaviour: behaviour as PodBehaviour } satisfies BehaviourRule);
        return send(res, 200, { rules: cluster.behaviours.list() });
      }
      if (path === '/_fake/behaviours/default' && method === 'POST') {
        cluster.behaviours.setDefault(json() as PodBehaviour);
        return send(res, 200, {});
      }
      if (path === '/_fake/behaviours' && method === 'DELETE') {
        cluster.behaviours.clear();
        return send(res, 200, { rules: [] });
      }
      if (path === '/_fake/faults' && method === 'GET') return send(res, 200, { faults: cluster.faults.list() });
      if (path === '/_fake/faults' && method === 'POST') {
        try {
          return send(res, 200, cluster.faults.add(json() as FaultSpec));
        } catch (e: unknown) {
          throw badRequest(e instanceof Error ? e.message : String(e));
        }
      }
      if (path === '/_fake/faults' && method === 'DELETE') {
        cluster.faults.clear();
        return send(res, 200, { faults: [] });
      }
      if (path === '/_fake/advance' && method === 'POST') {
        const seconds = Number(json().seconds);
        if (!(seconds >= 0)) throw badRequest('"seconds" must be a non-negative number');
        cluster.clock.advance(seconds * 1000);
        cluster.controllers.runPass();
        return send(res, 200, { now: cluster.clock.timestamp() });
      }
      if (path === '/_fake/compact' && method === 'POST') {
        cluster.store.compact();
        return send(res, 200, { compactedThrough: cluster.store.oldestWatchableRevision });
      }
      if (path === '/_fake/requests' && method === 'GET') return send(res, 200, { requests: this.requests });
      if (path === '/_fake/requests' && method === 'DELETE') {
        this.requests.length = 0;
        return send(res, 200, { requests: [] });
      }
      if (path === '/_fake/state' && method === 'GET') {
        return send(res, 200, {
          now: cluster.clock.timestamp(),
          timeScale: cluster.clock.timeScale,
          resourceVersion: cluster.store.resourceVersion,
          controllerErrors: cluster.controllers.errors,
          simulator: 'kube-fake: a Kubernetes API simulator for tests, not a cluster',
        });
      }
      throw new StatusError(404, 'NotFound', `no control endpoint ${method} ${path}`);
    } catch (e: unknown) {
      const error = e instanceof StatusError ? e : internalError(e instanceof Error ? e.message : String(e));
      send(res, error.code, error.toStatus());
    }
  }
}
