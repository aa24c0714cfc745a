import { describe, expect, it } from '@jest/globals';
import { LatencyHistogram } from '../src/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('computes percentiles and moments to 3 significant digits', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.record(i / 10); // 0.1 .. 1000 ms, uniform
    const s = h.stats();
    expect(s).toBeDefined();
    if (!s) return;
    expect(s.count).toBe(10_000);
    expect(s.min).toBeCloseTo(0.1, 3);
    expect(s.max).toBeGreaterThanOrEqual(1000);
    expect(s.max).toBeLessThanOrEqual(1001);
    for (const [p, expected] of [
      [s.p50, 500],
      [s.p90, 900],
      [s.p95, 950],
      [s.p99, 990],
    ] as const) {
      expect(Math.abs(p - expected) / expected).toBeLessThan(0.002);
    }
    expect(s.avg).toBeCloseTo(500.05, 0);
    expect(h.distribution([50, 100]).map((d) => d.percentile)).toEqual([50, 100]);
  });

  it('keeps sub-millisecond resolution and a skewed tail', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 94; i++) h.record(0.25);
    for (let i = 0; i < 6; i++) h.record(600);
    expect(h.percentile(50)).toBeCloseTo(0.25, 3);
    expect(h.percentile(95)).toBeGreaterThan(599);
    expect(h.percentile(95)).toBeLessThan(601);
  });

  it('reports nothing without samples and ignores invalid values', () => {
    const h = new LatencyHistogram();
    h.record(NaN);
    h.record(-1);
    expect(h.count()).toBe(0);
    expect(h.stats()).toBeUndefined();
    expect(h.percentile(95)).toBeUndefined();
    expect(h.avg()).toBeUndefined();
    expect(h.distribution()).toEqual([]);
  });
});
