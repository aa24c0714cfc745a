import { errorMessage } from './errors.js';
import { sleep as realSleep } from './sleep.js';

export interface RetryOptions {
  /** Total attempts including the first. Default 5. */
  attempts?: number;
  /** First backoff ceiling in ms. Default 200. */
  baseDelayMs?: number;
  /** Backoff ceiling cap in ms. Default 10_000. */
  maxDelayMs?: number;
  /** Decides whether an error is worth another attempt. Default: every error is. */
  isRetryable?: (e: unknown) => boolean;
  /** A label for the retry log line, e.g. "PATCH deployment/web". */
  label?: string;
  /** Called before each backoff with the attempt that failed (1-based) and the delay. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown; label: string }) => void;
  /** Injectable for tests that must not wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable for deterministic tests; returns [0,1). */
  random?: () => number;
  signal?: AbortSignal;
}

/**
 * Runs `fn` until it succeeds, the error is not retryable, or attempts run out. Backoff is "full
 * jitter" (a random delay between 0 and min(max, base * 2^n)), which spreads retries of many
 * clients instead of synchronising them.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 10_000;
  const isRetryable = options.isRetryable ?? (() => true);
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const label = options.label ?? 'operation';
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e: unknown) {
      if (attempt >= attempts || !isRetryable(e) || options.signal?.aborted) throw e;
      const delayMs = Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1)));
      options.onRetry?.({ attempt, delayMs, error: e, label });
      await sleep(delayMs, options.signal);
    }
  }
}

/** A one-line description of a retry, for logs: "GET /x failed (attempt 2/5): boom; retrying in 340ms". */
export function describeRetry(
  info: { attempt: number; delayMs: number; error: unknown; label: string },
  attempts: number,
): string {
  return `${info.label} failed (attempt ${info.attempt}/${attempts}): ${errorMessage(info.error)}; retrying in ${info.delayMs}ms`;
}
