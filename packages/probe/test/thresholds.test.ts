import { describe, expect, it } from '@jest/globals';
import { evaluateThreshold, parseThreshold, ThresholdSyntaxError, type MetricSource } from '../src/thresholds.js';
import { LatencyHistogram } from '../src/latency-histogram.js';

describe('parseThreshold', () => {
  it('parses k6 expressions', () => {
    expect(parseThreshold('p(95)<500')).toEqual({
      source: 'p(95)<500',
      aggregation: { kind: 'percentile', p: 95 },
      operator: '<',
      value: 500,
    });
    expect(parseThreshold(' p(99.9) <= 800 ')).toMatchObject({
      aggregation: { kind: 'percentile', p: 99.9 },
      operator: '<=',
      value: 800,
    });
    expect(parseThreshold('rate<0.001')).toMatchObject({ aggregation: { kind: 'rate' }, operator: '<', value: 0.001 });
    expect(parseThreshold('avg<200')).toMatchObject({ aggregation: { kind: 'avg' } });
    expect(parseThreshold('med>=1')).toMatchObject({ aggregation: { kind: 'med' }, operator: '>=' });
    expect(parseThreshold('count>100')).toMatchObject({ aggregation: { kind: 'count' }, operator: '>' });
    expect(parseThreshold('max===3')).toMatchObject({ aggregation: { kind: 'max' }, operator: '==' });
    expect(parseThreshold('min!=0')).toMatchObject({ aggregation: { kind: 'min' }, operator: '!=' });
  });

  it.each(['p95<500', 'p(101)<1', 'rate<', 'avg 200', 'foo<1', 'p(95)<500ms', 'p(95)=500', ''])('rejects %j', (t) => {
    expect(() => parseThreshold(t)).toThrow(ThresholdSyntaxError);
  });
});

function source(latencies: number[], errors: number, sent: number): MetricSource {
  const h = new LatencyHistogram();
  for (const l of latencies) h.record(l);
  return {
    percentile: (p) => h.percentile(p),
    avg: () => h.avg(),
    min: () => h.min(),
    max: () => h.max(),
    count: () => h.count(),
    errorRate: () => (sent === 0 ? undefined : errors / sent),
  };
}

describe('evaluateThreshold', () => {
  const latencies = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100 ms

  it('passes and fails on the measured aggregation', () => {
    const m = source(latencies, 1, 1000);
    expect(evaluateThreshold(parseThreshold('p(95)<500'), m)).toMatchObject({ passed: true });
    const p95 = evaluateThreshold(parseThreshold('p(95)<90'), m);
    expect(p95.passed).toBe(false);
    expect(p95.measured).toBeCloseTo(95, 0);
    expect(p95.reason).toMatch(/p\(95\)=95(\.\d+)? is not < 90/);
    expect(evaluateThreshold(parseThreshold('rate<0.001'), m)).toMatchObject({ passed: false, measured: 0.001 });
    expect(evaluateThreshold(parseThreshold('rate<=0.001'), m)).toMatchObject({ passed: true });
    expect(evaluateThreshold(parseThreshold('avg<50'), m)).toMatchObject({ passed: false });
    expect(evaluateThreshold(parseThreshold('avg<51'), m)).toMatchObject({ passed: true });
    expect(evaluateThreshold(parseThreshold('med<=50.1'), m)).toMatchObject({ passed: true });
    expect(evaluateThreshold(parseThreshold('min>=1'), m)).toMatchObject({ passed: true });
    expect(evaluateThreshold(parseThreshold('max<100'), m)).toMatchObject({ passed: false });
    expect(evaluateThreshold(parseThreshold('count==100'), m)).toMatchObject({ passed: true, measured: 100 });
  });

  it('fails every threshold when there are no samples', () => {
    const m = source([], 0, 0);
    for (const t of ['p(95)<500', 'rate<0.001', 'avg<200', 'count<10', 'max>0']) {
      const r = evaluateThreshold(parseThreshold(t), m);
      expect(r.passed).toBe(false);
      expect(r.measured).toBeUndefined();
      expect(r.reason).toMatch(/no samples/);
    }
  });
});
