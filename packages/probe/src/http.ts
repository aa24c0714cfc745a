import http from 'node:http';
import https from 'node:https';
import { errorMessage, sleep, type Logger } from '@ralph-deploy/common';

/** The outcome of one HTTP request. Network failures are results (ok=false, error), never exceptions. */
export interface ProbeResult {
  ok: boolean;
  status?: number;
  latencyMs: number;
  error?: string;
  /** The response body as text, truncated to `maxBodyBytes`. */
  body?: string;
  /** Response headers, lower-case names; repeated headers joined with ", ". */
  headers?: Record<string, string>;
}

export interface ProbeHttpOptions {
  url: string;
  /** Default GET. */
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Whole-request deadline (connect + response + body). Default 10 000 ms. */
  timeoutMs?: number;
  /** Statuses that count as ok. Default: any 2xx. */
  expectStatus?: number[];
  signal?: AbortSignal;
  /** Trusted CA certificate(s), PEM; like https.request, this replaces Node's bundled roots. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Skip certificate verification (for checks that inspect the certificate themselves). */
  insecure?: boolean;
  /** A shared agent (e.g. keep-alive for load sampling). Default: a fresh connection per request. */
  agent?: http.Agent;
  /** Body bytes kept in the result; the rest is drained. Default 1 MiB. Redirects are never followed: a redirect is a result the caller judges. */
  maxBodyBytes?: number;
  /** Set false to skip reading the body into the result (it is still drained). Default true. */
  readBody?: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY = 1024 * 1024;

/** Whether `status` is what the caller expects: the list when given, otherwise any 2xx. */
export function statusMatches(status: number, expect?: number[]): boolean {
  if (expect && expect.length > 0) return expect.includes(status);
  return status >= 200 && status < 300;
}

/**
 * Sends one HTTP(S) request and measures it from just before the request is sent until the last
 * byte of the body. Never throws for network errors, timeouts or aborts: the result says what
 * happened so callers can count errors instead of wrapping every call in try/catch.
 */
export function probeHttp(opts: ProbeHttpOptions): Promise<ProbeResult> {
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  let url: URL;
  try {
    url = new URL(opts.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
  } catch (e: unknown) {
    return Promise.resolve({ ok: false, latencyMs: 0, error: `invalid URL: ${errorMessage(e)}` });
  }
  if (opts.signal?.aborted) return Promise.resolve({ ok: false, latencyMs: 0, error: 'aborted' });

  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const readBody = opts.readBody ?? true;
  const isHttps = url.protocol === 'https:';
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
    headers['content-length'] = String(Buffer.byteLength(opts.body));
  }

  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const finish = (r: Omit<ProbeResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ ...r, latencyMs: elapsed() });
    };
    const fail = (error: string, status?: number) => {
      finish(status === undefined ? { ok: false, error } : { ok: false, status, error });
      req?.destroy();
    };
    const onAbort = () => fail('aborted');
    const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const requestOptions: https.RequestOptions = {
      method: (opts.method ?? 'GET').toUpperCase(),
      headers,
      agent: opts.agent ?? false,
    };
    if (isHttps) {
      if (opts.ca !== undefined) requestOptions.ca = opts.ca;
      if (opts.insecure) requestOptions.rejectUnauthorized = false;
    }
    try {
      req = (isHttps ? https : http).request(url, requestOptions, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (!readBody || size >= maxBody) return;
          const room = maxBody - size;
          chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          size += Math.min(chunk.length, room);
        });
        res.on('error', (e: Error) => fail(describeNetworkError(e)));
        res.on('aborted', () => fail('response aborted'));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const ok = statusMatches(status, opts.expectStatus);
          const result: Omit<ProbeResult, 'latencyMs'> = { ok, status, headers: flattenHeaders(res.headers) };
          if (readBody) result.body = Buffer.concat(chunks).toString('utf8');
          if (!ok) result.error = `unexpected status ${status}`;
          finish(result);
        });
      });
    } catch (e: unknown) {
      fail(describeNetworkError(e));
      return;
    }
    req.on('error', (e: Error) => fail(describeNetworkError(e)));
    req.end(opts.body);
  });
}

function flattenHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Short, stable error text: "ECONNREFUSED 127.0.0.1:8080" rather than a stack. */
export function describeNetworkError(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const code = (e as { code: string }).code;
    const msg = errorMessage(e);
    return msg.includes(code) ? msg : `${code}: ${msg}`;
  }
  return errorMessage(e);
}

export interface WaitUntilReadyOptions {
  /** Tried in order on every attempt (e.g. /ready then /health); the first ok answer wins. */
  urls: string[];
  /** Give up after this long. */
  timeoutMs: number;
  /** First delay between attempts; doubles up to 5 s (or intervalMs if larger). Default 500 ms. */
  intervalMs?: number;
  signal?: AbortSignal;
  log?: Logger;
  /** Per-request options (headers, ca, insecure, expectStatus, per-request timeout). */
  request?: Omit<ProbeHttpOptions, 'url' | 'signal'>;
}

export interface WaitUntilReadyResult {
  ready: boolean;
  afterMs: number;
  attempts: number;
  lastError?: string;
  /** The URL that answered ok. */
  url?: string;
}

const MAX_INTERVAL_MS = 5_000;
/** Hard cap on attempts so the loop is bounded even with a tiny interval. */
const MAX_ATTEMPTS = 10_000;

/**
 * Polls the URLs until one answers ok or the deadline passes. Backoff doubles from `intervalMs` to a
 * ceiling so a slow start is not hammered, yet readiness is noticed within a few seconds. Never
 * throws; if `signal` aborts, returns ready=false with lastError "aborted".
 */
export async function waitUntilReady(opts: WaitUntilReadyOptions): Promise<WaitUntilReadyResult> {
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  const base = Math.max(1, opts.intervalMs ?? 500);
  const ceiling = Math.max(base, MAX_INTERVAL_MS);
  let delay = base;
  let attempts = 0;
  let lastError: string | undefined;
  if (opts.urls.length === 0) return { ready: false, afterMs: 0, attempts: 0, lastError: 'no URLs to probe' };

  while (attempts < MAX_ATTEMPTS) {
    attempts++;
    for (const url of opts.urls) {
      const remaining = opts.timeoutMs - elapsed();
      if (remaining <= 0) break;
      const perRequest = Math.min(opts.request?.timeoutMs ?? DEFAULT_TIMEOUT_MS, remaining);
      const probeOpts: ProbeHttpOptions = { ...(opts.request ?? {}), url, timeoutMs: perRequest };
      if (opts.signal) probeOpts.signal = opts.signal;
      const r = await probeHttp(probeOpts);
      if (r.ok) {
        opts.log?.info(`${url} answered ${r.status} after ${Math.round(elapsed())} ms (attempt ${attempts})`);
        return { ready: true, afterMs: elapsed(), attempts, url };
      }
      lastError = `${url}: ${r.error ?? `status ${r.status}`}`;
      opts.log?.debug(`not ready (attempt ${attempts}): ${lastError}`);
    }
    if (opts.signal?.aborted) return { ready: false, afterMs: elapsed(), attempts, lastError: 'aborted' };
    const remaining = opts.timeoutMs - elapsed();
    if (remaining <= 0) break;
    try {
      await sleep(Math.min(delay, remaining), opts.signal);
    } catch {
      return { ready: false, afterMs: elapsed(), attempts, lastError: 'aborted' };
    }
    delay = Math.min(delay * 2, ceiling);
  }
  const result: WaitUntilReadyResult = { ready: false, afterMs: elapsed(), attempts };
  if (lastError !== undefined) result.lastError = lastError;
  return result;
}
