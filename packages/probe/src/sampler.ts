import { sleep, type Logger } from '@ralph-deploy/common';
import { LatencyHistogram, type LatencyStats } from './latency-histogram.js';
import { LoadConnection, buildTarget, type LoadResult, type LoadTarget } from './load-connection.js';
import type { MetricSource } from './thresholds.js';

export interface SampleOptions {
  /** Target URLs, used round-robin. */
  urls: string[];
  /** Stop after sending this many requests. */
  requests?: number;
  /** Stop sending new requests after this long (in-flight ones still finish). */
  durationMs?: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Optional cap on requests per second, spread evenly. */
  rate?: number;
  method?: string;
  headers?: Record<string, string>;
  /** Statuses that are not errors. Default any 2xx. */
  expectStatus?: number[];
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  ca?: string | Buffer | (string | Buffer)[];
  insecure?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

export type ErrorKind = 'status' | 'timeout' | 'connection';

export interface SampleSummary {
  sent: number;
  /** Requests that got a response (any status); their latencies are in the histogram. */
  completed: number;
  errors: number;
  errorsByKind: Record<ErrorKind, number>;
  /** errors / sent; undefined when nothing was sent. */
  errorRate?: number;
  durationMs: number;
  /** Requests finished per second over the sample. */
  throughput: number;
  statusCounts: Record<string, number>;
  latency?: LatencyStats;
  distribution: { percentile: number; ms: number }[];
  /** The first few distinct error messages, for the summary. */
  sampleErrors: string[];
}

export interface SampleResult {
  summary: SampleSummary;
  /** The histogram and error counts, for evaluating thresholds. */
  metrics: MetricSource;
}

/** Hard ceiling so a duration-bound sample is bounded in count too. */
const MAX_REQUESTS = 10_000_000;
const MAX_ERROR_MESSAGES = 5;

/**
 * Sends a bounded burst of requests over keep-alive connections and measures them. Latency runs
 * from writing a request to the last byte of its response (connecting is not included); requests
 * that never got a response (connection errors) are counted as errors but not as latencies, while
 * timeouts are recorded at the time they gave up, so a hanging server cannot make percentiles
 * look better.
 */
export async function sampleLatency(opts: SampleOptions): Promise<SampleResult> {
  if (opts.urls.length === 0) throw new Error('no URLs to sample');
  const limit = Math.min(opts.requests ?? (opts.durationMs === undefined ? 200 : MAX_REQUESTS), MAX_REQUESTS);
  const concurrency = Math.max(1, Math.min(opts.concurrency, limit || 1));
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const histogram = new LatencyHistogram();
  const errorsByKind: Record<ErrorKind, number> = { status: 0, timeout: 0, connection: 0 };
  const statusCounts: Record<string, number> = {};
  const messages = new Set<string>();
  let sent = 0;
  let completed = 0;

  const targets: LoadTarget[] = opts.urls.map((u) =>
    buildTarget(u, (opts.method ?? 'GET').toUpperCase(), opts.headers),
  );
  const connectionOptions = {
    timeoutMs,
    ...(opts.expectStatus ? { expectStatus: opts.expectStatus } : {}),
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
    ...(opts.insecure ? { insecure: true } : {}),
  };
  const connections: LoadConnection[] = [];
  const onAbort = () => connections.forEach((c) => c.close());
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const start = performance.now();
  const deadline = opts.durationMs === undefined ? Infinity : start + opts.durationMs;
  const intervalMs = opts.rate ? 1000 / opts.rate : 0;

  const record = (r: LoadResult) => {
    if (r.error === 'aborted' && opts.signal?.aborted) return;
    if (r.status !== undefined) {
      completed++;
      histogram.record(r.latencyMs);
      statusCounts[String(r.status)] = (statusCounts[String(r.status)] ?? 0) + 1;
      if (!r.ok) errorsByKind.status++;
    } else if (r.error?.startsWith('timed out')) {
      // A request that was sent and then timed out is at least this slow; a connect timeout has no latency.
      if (!r.connectFailed) histogram.record(r.latencyMs);
      errorsByKind.timeout++;
    } else {
      errorsByKind.connection++;
    }
    if (!r.ok && messages.size < MAX_ERROR_MESSAGES && r.error) messages.add(r.error);
  };

  // One connection per worker and origin, like a load generator's virtual user.
  const worker = async () => {
    const own = new Map<string, LoadConnection>();
    while (!opts.signal?.aborted) {
      if (sent >= limit || performance.now() >= deadline) return;
      const index = sent++;
      if (intervalMs > 0) {
        const due = start + index * intervalMs;
        const wait = due - performance.now();
        if (due >= deadline) return;
        if (wait > 0) {
          try {
            await sleep(wait, opts.signal);
          } catch {
            return;
          }
        }
      }
      const target = targets[index % targets.length] as LoadTarget;
      let conn = own.get(target.url.origin);
      if (!conn) {
        conn = new LoadConnection(target.url, connectionOptions);
        own.set(target.url.origin, conn);
        connections.push(conn);
      }
      record(await conn.send(target));
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    connections.forEach((c) => c.close());
  }
  const durationMs = performance.now() - start;
  const errors = errorsByKind.status + errorsByKind.timeout + errorsByKind.connection;
  const finished = completed + errorsByKind.timeout + errorsByKind.connection;
  // Requests interrupted by an abort were never judged: they do not count as sent.
  const judged = finished;
  const summary: SampleSummary = {
    sent: judged,
    completed,
    errors,
    errorsByKind,
    durationMs,
    throughput: durationMs > 0 ? (finished * 1000) / durationMs : 0,
    statusCounts,
    distribution: histogram.distribution(),
    sampleErrors: [...messages],
  };
  if (judged > 0) summary.errorRate = errors / judged;
  const latency = histogram.stats();
  if (latency) summary.latency = latency;
  opts.log?.info(
    `sampled ${judged} requests in ${Math.round(durationMs)} ms: ${errors} errors, p95 ${latency ? latency.p95.toFixed(1) : '-'} ms, ${summary.throughput.toFixed(1)} req/s`,
  );
  const metrics: MetricSource = {
    percentile: (p) => histogram.percentile(p),
    avg: () => histogram.avg(),
    min: () => histogram.min(),
    max: () => histogram.max(),
    count: () => histogram.count(),
    errorRate: () => summary.errorRate,
  };
  return { summary, metrics };
}
