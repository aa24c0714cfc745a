import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
  Watch,
  createConfiguration,
  setHeaderOptions,
  type Configuration,
  type KubernetesObject,
  type Middleware,
  type RequestContext,
  type V1Deployment,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { errorMessage, retry, sleep, type Logger } from '@ralph-deploy/common';
import {
  DeploymentNotFoundError,
  KubeApiError,
  isRetryableKubeError,
  networkErrorCode,
  parseRetryAfter,
} from './errors.js';
import { describeKubeConfig, loadKubeConfig, type KubeConfigOptions } from './kubeconfig.js';

export type PatchType = 'strategic' | 'merge' | 'json';

const CONTENT_TYPE: Record<PatchType, string> = {
  strategic: PatchStrategy.StrategicMergePatch,
  merge: PatchStrategy.MergePatch,
  json: PatchStrategy.JsonPatch,
};

/** The field manager of every write, so `kubectl get -o yaml --show-managed-fields` names us. */
export const FIELD_MANAGER = 'ralph-deploy';

/** One running watch; `done` settles with the error that ended it, or null when the server closed it. */
export interface WatchSession {
  done: Promise<unknown>;
  stop(): void;
}

/**
 * The Kubernetes operations the rollout needs. The real implementation is `ClientNodeApi`; unit
 * tests use small in-memory doubles of this interface.
 */
export interface KubeApi {
  readDeployment(namespace: string, name: string): Promise<V1Deployment>;
  patchDeployment(
    namespace: string,
    name: string,
    patch: unknown,
    type: PatchType,
    options?: { dryRun?: boolean },
  ): Promise<V1Deployment>;
  listReplicaSets(namespace: string, labelSelector: string): Promise<V1ReplicaSet[]>;
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  /** Server-side apply (force, field manager ralph-deploy). Namespaced objects without a namespace go to `defaultNamespace`. */
  apply(object: KubernetesObject, options: { dryRun: boolean; defaultNamespace: string }): Promise<KubernetesObject>;
  /** Starts a watch of `path` (e.g. /apis/apps/v1/namespaces/x/deployments); events carry plain JSON objects. */
  watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: unknown) => void,
  ): Promise<WatchSession>;
  /** The same API whose calls abort with `signal` (e.g. a bounded grace period after cancellation). */
  withSignal(signal: AbortSignal): KubeApi;
}

export interface KubeClientOptions extends KubeConfigOptions {
  log: Logger;
  /** Aborts every call (and its retries). */
  signal?: AbortSignal;
  /** Attempts per call, first included. Default 5. */
  attempts?: number;
  /** Deadline of one HTTP request. Default 20 s. */
  requestTimeoutMs?: number;
  /** Backoff: first ceiling and cap, ms. Defaults 250 and 8 000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Builds the client from the ambient credentials (see loadKubeConfig). */
export function createKubeClient(options: KubeClientOptions): KubeApi {
  const kc = loadKubeConfig(options);
  options.log.info(`Kubernetes: ${describeKubeConfig(kc)}`);
  return new ClientNodeApi(kc, options);
}

/** A thin typed wrapper over client-node: every call is bounded, retried with full jitter, and its errors made readable. */
export class ClientNodeApi implements KubeApi {
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly objects: KubernetesObjectApi;
  private readonly signal: AbortSignal;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: KubeClientOptions,
  ) {
    this.signal = options.signal ?? new AbortController().signal;
    const config = this.configuration();
    this.apps = new AppsV1Api(config);
    this.core = new CoreV1Api(config);
    this.objects = new KubernetesObjectApi(config);
  }

  withSignal(signal: AbortSignal): KubeApi {
    return new ClientNodeApi(this.kc, { ...this.options, signal });
  }

  async readDeployment(namespace: string, name: string): Promise<V1Deployment> {
    try {
      return await this.call(`GET deployment ${namespace}/${name}`, () =>
        this.apps.readNamespacedDeployment({ name, namespace }),
      );
    } catch (e: unknown) {
      if (e instanceof KubeApiError && e.status === 404) throw new DeploymentNotFoundError(namespace, name);
      throw e;
    }
  }

  async patchDeployment(
    namespace: string,
    name: string,
    patch: unknown,
    type: PatchType,
    options: { dryRun?: boolean } = {},
  ): Promise<V1Deployment> {
    try {
      return await this.call(`PATCH deployment ${namespace}/${name}`, () =>
        this.apps.patchNamespacedDeployment(
          { name, namespace, body: patch, fieldManager: FIELD_MANAGER, ...(options.dryRun ? { dryRun: 'All' } : {}) },
          contentType(CONTENT_TYPE[type]),
        ),
      );
    } catch (e: unknown) {
      if (e instanceof KubeApiError && e.status === 404) throw new DeploymentNotFoundError(namespace, name);
      throw e;
    }
  }

  async listReplicaSets(namespace: string, labelSelector: string): Promise<V1ReplicaSet[]> {
    const list = await this.call(`LIST replicasets ${namespace} (${labelSelector})`, () =>
      this.apps.listNamespacedReplicaSet({ namespace, labelSelector }),
    );
    return list.items;
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = await this.call(`LIST pods ${namespace} (${labelSelector})`, () =>
      this.core.listNamespacedPod({ namespace, labelSelector }),
    );
    return list.items;
  }

  async apply(
    object: KubernetesObject,
    options: { dryRun: boolean; defaultNamespace: string },
  ): Promise<KubernetesObject> {
    const ns = object.metadata?.namespace;
    const label = `APPLY ${object.kind}/${object.metadata?.name}${ns ? ` in ${ns}` : ''}${options.dryRun ? ' (dry run)' : ''}`;
    const api = new NamespacedObjectApi(this.configuration(), options.defaultNamespace);
    return this.call(label, () =>
      api.patch(
        object,
        undefined,
        options.dryRun ? 'All' : undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      ),
    );
  }

  async watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: unknown) => void,
  ): Promise<WatchSession> {
    let settle: (err: unknown) => void = () => undefined;
    const done = new Promise<unknown>((resolve) => (settle = resolve));
    const controller = await new Watch(this.kc).watch(path, params, onEvent, (err: unknown) => settle(err ?? null));
    const onAbort = () => controller.abort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    void done.then(() => this.signal.removeEventListener('abort', onAbort));
    return { done, stop: () => controller.abort() };
  }

  /** Our configuration: the kubeconfig's auth and TLS, plus a per-request deadline tied to our signal. */
  private configuration(): Configuration {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const timeoutMs = this.options.requestTimeoutMs ?? 20_000;
    const signal = this.signal;
    const deadline: Middleware = {
      pre: async (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
        return ctx;
      },
      post: async (response) => response,
    };
    return createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: this.kc },
      promiseMiddleware: [deadline],
    });
  }

  private call<T>(label: string, fn: () => Promise<T>): Promise<T> {
    return callWithRetry(label, fn, {
      log: this.options.log,
      signal: this.signal,
      attempts: this.options.attempts ?? 5,
      baseDelayMs: this.options.baseDelayMs ?? 250,
      maxDelayMs: this.options.maxDelayMs ?? 8_000,
    });
  }
}

/** KubernetesObjectApi whose default namespace is ours, so discovery decides what is namespaced. */
class NamespacedObjectApi extends KubernetesObjectApi {
  constructor(configuration: Configuration, namespace: string) {
    super(configuration);
    this.defaultNamespace = namespace;
  }
}

/** Per-call options that set the patch Content-Type (the generated API defaults to JSON patch). */
function contentType(value: string) {
  return setHeaderOptions('Content-Type', value);
}

export interface CallOptions {
  log: Logger;
  signal?: AbortSignal;
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injectable for tests that must not wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs one API call with bounded retries. The backoff is full jitter, but never shorter than the
 * server's Retry-After (a throttled apiserver says how long to stay away; client-node ignores it).
 */
export async function callWithRetry<T>(label: string, fn: () => Promise<T>, options: CallOptions): Promise<T> {
  let retryAfterMs = 0;
  const doSleep = options.sleep ?? sleep;
  return retry(
    async () => {
      try {
        return await fn();
      } catch (e: unknown) {
        throw toKubeError(e);
      }
    },
    {
      attempts: options.attempts,
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      label,
      isRetryable: isRetryableKubeError,
      ...(options.signal ? { signal: options.signal } : {}),
      onRetry: ({ attempt, delayMs, error }) => {
        retryAfterMs =
          error instanceof KubeApiError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0;
        const wait = Math.max(delayMs, retryAfterMs);
        const why = retryAfterMs > 0 ? ` (Retry-After ${retryAfterMs / 1000}s)` : '';
        options.log.info(
          `retry: ${label} failed (attempt ${attempt}/${options.attempts}): ${errorMessage(error)}; retrying in ${wait}ms${why}`,
        );
      },
      sleep: (ms, signal) => doSleep(Math.max(ms, retryAfterMs), signal),
    },
  );
}

/** Turns client-node's ApiException (whose message dumps headers) into a one-line KubeApiError. */
export function toKubeError(e: unknown): unknown {
  if (e instanceof KubeApiError) return e;
  if (!e || typeof e !== 'object') return e;
  const err = e as { code?: unknown; body?: unknown; headers?: Record<string, string> };
  if (typeof err.code !== 'number') {
    const net = networkErrorCode(e);
    return net && e instanceof Error && !e.message.includes(net) ? new Error(`${e.message} (${net})`, { cause: e }) : e;
  }
  let body: unknown = err.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* plain text body */
    }
  }
  const status = body && typeof body === 'object' ? (body as { message?: unknown; reason?: unknown }) : undefined;
  const text =
    typeof status?.message === 'string' && status.message
      ? status.message
      : typeof body === 'string' && body.trim()
        ? body.trim().slice(0, 300)
        : `HTTP ${err.code}`;
  const reason = typeof status?.reason === 'string' ? status.reason : undefined;
  const retryAfter = parseRetryAfter(err.headers?.['retry-after']);
  return new KubeApiError(err.code, `${err.code}${reason ? ` ${reason}` : ''}: ${text}`, {
    ...(reason ? { reason } : {}),
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
    cause: e,
  });
}
