/**
 * k6 threshold expressions (https://grafana.com/docs/k6/latest/using-k6/thresholds/):
 * `<aggregation> <operator> <number>`, e.g. `p(95)<500`, `p(99.9) <= 800`, `rate<0.001`, `avg<200`.
 *
 * Aggregations over the sampled latencies (milliseconds): avg, min, max, med, p(N) with 0 <= N <= 100,
 * and count (completed requests). `rate` is the error rate (0..1) of all requests sent.
 * Operators: < <= > >= == === !=. A threshold that has no samples to look at fails: absence of
 * evidence is not a pass.
 */
export type Aggregation =
  { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' } | { kind: 'percentile'; p: number };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Threshold {
  /** The text as the user wrote it, trimmed. */
  source: string;
  aggregation: Aggregation;
  operator: Operator;
  value: number;
}

export class ThresholdSyntaxError extends Error {
  constructor(source: string, problem: string) {
    super(`threshold "${source}": ${problem}`);
    this.name = 'ThresholdSyntaxError';
  }
}

const PATTERN =
  /^\s*(avg|min|max|med|count|rate|p\(\s*([0-9]+(?:\.[0-9]+)?)\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*$/i;

export function parseThreshold(source: string): Threshold {
  const m = PATTERN.exec(source);
  if (!m) {
    throw new ThresholdSyntaxError(
      source.trim(),
      'expected <aggregation><operator><number>, e.g. p(95)<500 or rate<0.001 (aggregations: avg, min, max, med, count, rate, p(N))',
    );
  }
  const name = (m[1] as string).toLowerCase();
  let aggregation: Aggregation;
  if (m[2] !== undefined) {
    const p = Number(m[2]);
    if (p < 0 || p > 100) throw new ThresholdSyntaxError(source.trim(), `percentile ${m[2]} is outside 0..100`);
    aggregation = { kind: 'percentile', p };
  } else {
    aggregation = { kind: name as 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' };
  }
  const op = m[3] === '===' ? '==' : (m[3] as Operator);
  return { source: source.trim(), aggregation, operator: op, value: Number(m[4]) };
}

/** What the thresholds look at; undefined fields mean "no samples". */
export interface MetricSource {
  /** Latency at percentile p (0..100) in ms, or undefined without samples. */
  percentile(p: number): number | undefined;
  avg(): number | undefined;
  min(): number | undefined;
  max(): number | undefined;
  /** Requests that completed (had a latency recorded). */
  count(): number;
  /** Errors / requests sent, or undefined when nothing was sent. */
  errorRate(): number | undefined;
}

export interface ThresholdResult {
  threshold: string;
  passed: boolean;
  /** The measured value compared, undefined when there were no samples. */
  measured?: number;
  /** Why it failed, in words: "p(95)=612.3 is not < 500", "no samples". */
  reason?: string;
}

export function describeAggregation(a: Aggregation): string {
  return a.kind === 'percentile' ? `p(${a.p})` : a.kind;
}

export function compare(actual: number, op: Operator, expected: number): boolean {
  switch (op) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '==':
      return actual === expected;
    case '!=':
      return actual !== expected;
  }
}

export function measure(a: Aggregation, m: MetricSource): number | undefined {
  switch (a.kind) {
    case 'percentile':
      return m.percentile(a.p);
    case 'med':
      return m.percentile(50);
    case 'avg':
      return m.avg();
    case 'min':
      return m.min();
    case 'max':
      return m.max();
    case 'rate':
      return m.errorRate();
    case 'count':
      // count of zero is "no samples" too: a threshold like count>0 must fail, count<10 must not pass vacuously.
      return m.count() > 0 ? m.count() : undefined;
  }
}

export function evaluateThreshold(t: Threshold, m: MetricSource): ThresholdResult {
  const measured = measure(t.aggregation, m);
  if (measured === undefined || Number.isNaN(measured)) {
    return { threshold: t.source, passed: false, reason: `${describeAggregation(t.aggregation)} has no samples` };
  }
  const passed = compare(measured, t.operator, t.value);
  const result: ThresholdResult = { threshold: t.source, passed, measured };
  if (!passed)
    result.reason = `${describeAggregation(t.aggregation)}=${round(measured)} is not ${t.operator} ${t.value}`;
  return result;
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n * 10) / 10 : Math.round(n * 10000) / 10000;
}
