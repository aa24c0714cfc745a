/**
 * Fault injection: the next N requests matching a method and path fail with a chosen status (500, 409,
 * 429 with Retry-After, 503...), are delayed, or have their connection dropped. Each rule is consumed
 * as it fires, so a test can say "the next two PATCHes of this Deployment get 429".
 */
import { conflict, internalError, STALE_OBJECT, StatusError, tooManyRequests } from './errors.js';

export interface FaultSpec {
  /** HTTP method, case-insensitive; any when omitted. */
  method?: string;
  /** Glob over the request path without the query (`*` any run of characters); any when omitted. */
  path?: string;
  /** How many matching requests it affects (default 1). */
  times?: number;
  /** Respond with this status instead of serving the request. */
  status?: number;
  /** For 429 and 503: the Retry-After header and details.retryAfterSeconds (default 1). */
  retryAfterSeconds?: number;
  /** Real milliseconds to wait before answering (alone: a slow but successful response). */
  delayMs?: number;
  /** Destroy the connection without answering. */
  reset?: boolean;
  /** Message for the Status body. */
  message?: string;
}

export interface Fault extends FaultSpec {
  id: number;
  remaining: number;
  fired: number;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export class FaultInjector {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    if (spec.status === undefined && spec.delayMs === undefined && !spec.reset) {
      throw new Error('a fault needs a status, a delayMs or reset: true');
    }
    if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)) {
      throw new Error(`fault status must be an HTTP error code (400-599), got ${spec.status}`);
    }
    const fault: Fault = { ...spec, id: this.nextId++, remaining: spec.times ?? 1, fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The first active fault that matches, consumed by one. */
  take(method: string, path: string): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (!f.method || f.method.toUpperCase() === method.toUpperCase()) &&
        (!f.path || globToRegExp(f.path).test(path)),
    );
    if (!fault) return undefined;
    fault.remaining--;
    fault.fired++;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    return { ...fault };
  }
}

/** The Status error a fault answers with, shaped like the API server's for that code. */
export function faultError(fault: Fault, target: { group: string; resource: string; name: string }): StatusError {
  const status = fault.status!;
  switch (status) {
    case 409:
      return conflict(target, target.name, fault.message ?? STALE_OBJECT);
    case 429:
      return tooManyRequests(fault.retryAfterSeconds ?? 1);
    case 500:
      return internalError(fault.message ?? 'injected fault');
    case 503:
      return new StatusError(
        503,
        'ServiceUnavailable',
        fault.message ?? 'the server is currently unable to handle the request',
        { retryAfterSeconds: fault.retryAfterSeconds ?? 1 },
        { 'Retry-After': String(fault.retryAfterSeconds ?? 1) },
      );
    case 504:
      return new StatusError(
        504,
        'Timeout',
        fault.message ??
          'the server was unable to return a response in the time allotted, but may still be processing the request',
      );
    default:
      return new StatusError(status, 'InternalError', fault.message ?? `injected fault ${status}`);
  }
}
