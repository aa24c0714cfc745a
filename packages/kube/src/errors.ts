import { ActionError } from '@ralph-deploy/common';

/** A Kubernetes API answer other than 2xx, with the server's own message (not client-node's dump of headers). */
export class KubeApiError extends Error {
  readonly status: number;
  /** The Status object's reason, e.g. NotFound, Conflict, AlreadyExists. */
  readonly reason: string | undefined;
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    status: number,
    message: string,
    options: { reason?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = options.reason;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The Deployment the action was pointed at does not exist. */
export class DeploymentNotFoundError extends ActionError {
  constructor(namespace: string, name: string) {
    super(
      `Deployment "${name}" not found in namespace "${namespace}" (check the 'deployment' and 'namespace' inputs and the kubeconfig context)`,
    );
    this.name = 'DeploymentNotFoundError';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The error code of a failed fetch (undici wraps it in `cause`), if any. */
export function networkErrorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for a request this client aborted because it took too long (not for the caller's own abort). */
export function isRequestTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || (e as { cause?: unknown }).cause instanceof DOMException);
}

/**
 * Worth another attempt: 409 (a concurrent writer), 429 (throttled; client-node never retries it),
 * 5xx, and network failures or per-request timeouts. 4xx other than those are final.
 */
export function isRetryableKubeError(e: unknown): boolean {
  if (e instanceof KubeApiError) return e.status === 409 || e.status === 429 || e.status >= 500;
  if (networkErrorCode(e)) return true;
  if (isRequestTimeout(e)) return true;
  return e instanceof TypeError && /fetch failed|terminated|other side closed/i.test(e.message);
}

/** Parses Retry-After (seconds or an HTTP date) into seconds, capped at `capSeconds`. */
export function parseRetryAfter(value: string | undefined, now = Date.now(), capSeconds = 60): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.max(0, (at - now) / 1000);
  }
  return Math.min(seconds, capSeconds);
}
