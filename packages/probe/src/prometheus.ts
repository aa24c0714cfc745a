import { retry } from '@ralph-deploy/common';
import { probeHttp } from './http.js';
import { compare, type Operator } from './thresholds.js';

/** A metric gate: an instant query and the condition every value it returns must satisfy. */
export interface PrometheusGate {
  name: string;
  query: string;
  /** e.g. "< 0.1" */
  condition: string;
}

export type GateVerdict = 'pass' | 'fail' | 'no-data' | 'error';

export interface GateResult {
  name: string;
  query: string;
  condition: string;
  verdict: GateVerdict;
  /** Whether the gate counts as passed (no-data passes only with allow-no-data). */
  passed: boolean;
  /** Series label sets with their values, as returned. */
  values: { labels: string; value: number }[];
  detail: string;
}

export interface ParsedCondition {
  operator: Operator;
  value: number;
}

export function parseCondition(text: string): ParsedCondition {
  const m = /^\s*(<=|>=|==|!=|<|>)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*$/i.exec(text);
  if (!m) throw new Error(`condition "${text}" must be <operator> <number>, e.g. "< 0.1"`);
  return { operator: m[1] as Operator, value: Number(m[2]) };
}

interface ApiResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

/** The samples of an instant query result: vector -> one per series, scalar -> one. */
export function samplesOf(data: { resultType: string; result: unknown }): { labels: string; raw: string }[] {
  switch (data.resultType) {
    case 'vector': {
      const series = data.result as { metric: Record<string, string>; value: [number, string] }[];
      return series.map((s) => ({ labels: formatLabels(s.metric), raw: s.value[1] }));
    }
    case 'scalar': {
      const [, raw] = data.result as [number, string];
      return [{ labels: 'scalar', raw }];
    }
    default:
      throw new Error(
        `result type "${data.resultType}" is not supported: write an instant query that returns a vector or a scalar`,
      );
  }
}

function formatLabels(metric: Record<string, string>): string {
  const entries = Object.entries(metric);
  if (entries.length === 0) return '{}';
  const name = metric.__name__ ?? '';
  const rest = entries.filter(([k]) => k !== '__name__').map(([k, v]) => `${k}="${v}"`);
  return `${name}{${rest.join(',')}}`;
}

/** Prometheus encodes sample values as strings, including "+Inf", "-Inf" and "NaN". */
export function parsePromValue(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  return Number(raw);
}

/**
 * Judges a query result: every sample must satisfy the condition. An empty vector means "no such
 * series" as much as "all good", and NaN means the ratio had nothing to divide: both are
 * inconclusive ("no-data"), never a silent pass.
 */
export function judgeSamples(
  samples: { labels: string; raw: string }[],
  cond: ParsedCondition,
): { verdict: GateVerdict; values: { labels: string; value: number }[]; detail: string } {
  const values = samples.map((s) => ({ labels: s.labels, value: parsePromValue(s.raw) }));
  if (values.length === 0) return { verdict: 'no-data', values, detail: 'the query returned no data' };
  const nan = values.filter((v) => Number.isNaN(v.value));
  if (nan.length > 0) return { verdict: 'no-data', values, detail: `NaN for ${nan.map((v) => v.labels).join(', ')}` };
  const bad = values.filter((v) => !compare(v.value, cond.operator, cond.value));
  if (bad.length > 0) {
    return {
      verdict: 'fail',
      values,
      detail: bad.map((v) => `${v.labels} = ${v.value} is not ${cond.operator} ${cond.value}`).join('; '),
    };
  }
  const shown =
    values.length === 1
      ? `${values[0]?.value}`
      : `${values.length} series, max ${Math.max(...values.map((v) => v.value))}`;
  return { verdict: 'pass', values, detail: `${shown} ${cond.operator} ${cond.value}` };
}

export interface EvaluateGatesOptions {
  prometheusUrl: string;
  gates: PrometheusGate[];
  allowNoData: boolean;
  timeoutMs: number;
  headers?: Record<string, string>;
  ca?: string | Buffer | (string | Buffer)[];
  signal?: AbortSignal;
  /** Injectable for tests that must not wait on retries. */
  retryDelayMs?: number;
}

class TransientError extends Error {}

/** Runs each gate's instant query through the HTTP API (`/api/v1/query`) and judges it. */
export async function evaluateGates(opts: EvaluateGatesOptions): Promise<GateResult[]> {
  const results: GateResult[] = [];
  for (const gate of opts.gates) {
    const base = { name: gate.name, query: gate.query, condition: gate.condition };
    let cond: ParsedCondition;
    try {
      cond = parseCondition(gate.condition);
    } catch (e: unknown) {
      results.push({ ...base, verdict: 'error', passed: false, values: [], detail: (e as Error).message });
      continue;
    }
    try {
      const data = await queryInstant(opts, gate.query);
      const judged = judgeSamples(samplesOf(data), cond);
      const passed = judged.verdict === 'pass' || (judged.verdict === 'no-data' && opts.allowNoData);
      const detail =
        judged.verdict === 'no-data'
          ? `${judged.detail} (inconclusive${opts.allowNoData ? ', allowed by allow-no-data' : ''})`
          : judged.detail;
      results.push({ ...base, ...judged, passed, detail });
    } catch (e: unknown) {
      results.push({
        ...base,
        verdict: 'error',
        passed: false,
        values: [],
        detail: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return results;
}

async function queryInstant(
  opts: EvaluateGatesOptions,
  query: string,
): Promise<{ resultType: string; result: unknown }> {
  const url = new URL('api/v1/query', opts.prometheusUrl.endsWith('/') ? opts.prometheusUrl : `${opts.prometheusUrl}/`);
  url.searchParams.set('query', query);
  return retry(
    async () => {
      const r = await probeHttp({
        url: url.toString(),
        timeoutMs: opts.timeoutMs,
        expectStatus: [200],
        ...(opts.headers ? { headers: opts.headers } : {}),
        ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (r.status === undefined) throw new TransientError(`Prometheus unreachable: ${r.error ?? 'no response'}`);
      let body: ApiResponse | undefined;
      try {
        body = JSON.parse(r.body ?? '') as ApiResponse;
      } catch {
        body = undefined;
      }
      // 400/422 carry the PromQL error; 503 and other 5xx are worth another try.
      if (body?.status === 'error')
        throw new Error(`Prometheus rejected the query (${body.errorType ?? r.status}): ${body.error ?? ''}`);
      if (r.status >= 500) throw new TransientError(`Prometheus answered ${r.status}`);
      if (r.status !== 200 || !body?.data) throw new Error(`Prometheus answered ${r.status} without a query result`);
      return body.data;
    },
    {
      attempts: 3,
      baseDelayMs: opts.retryDelayMs ?? 500,
      isRetryable: (e) => e instanceof TransientError,
      label: `query ${query}`,
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
  );
}
