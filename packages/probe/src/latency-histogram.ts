import * as hdr from 'hdr-histogram-js';
import type { MetricSource } from './thresholds.js';

/** Latency statistics in milliseconds. */
export interface LatencyStats {
  count: number;
  min: number;
  max: number;
  avg: number;
  stdev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** Resolution: values are recorded in microseconds with 3 significant digits (0.1 % error). */
const MICROS_PER_MS = 1000;

/**
 * Latencies in an HDR histogram: constant memory whatever the number of samples, percentiles
 * accurate to 3 significant digits. Records milliseconds, stores microseconds.
 */
export class LatencyHistogram implements Pick<MetricSource, 'percentile' | 'avg' | 'min' | 'max' | 'count'> {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    // Round up so a sub-microsecond value still counts as a sample (HDR ignores nothing, but 0 has no min).
    this.h.recordValue(Math.max(1, Math.round(ms * MICROS_PER_MS)));
  }

  count(): number {
    return this.h.totalCount;
  }

  percentile(p: number): number | undefined {
    if (this.h.totalCount === 0) return undefined;
    return this.h.getValueAtPercentile(p) / MICROS_PER_MS;
  }

  avg(): number | undefined {
    return this.h.totalCount === 0 ? undefined : this.h.mean / MICROS_PER_MS;
  }

  min(): number | undefined {
    return this.h.totalCount === 0 ? undefined : this.h.minNonZeroValue / MICROS_PER_MS;
  }

  max(): number | undefined {
    return this.h.totalCount === 0 ? undefined : this.h.maxValue / MICROS_PER_MS;
  }

  stats(): LatencyStats | undefined {
    if (this.h.totalCount === 0) return undefined;
    const at = (p: number) => this.h.getValueAtPercentile(p) / MICROS_PER_MS;
    return {
      count: this.h.totalCount,
      min: this.h.minNonZeroValue / MICROS_PER_MS,
      max: this.h.maxValue / MICROS_PER_MS,
      avg: this.h.mean / MICROS_PER_MS,
      stdev: this.h.stdDeviation / MICROS_PER_MS,
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
    };
  }

  /** Percentile -> latency rows for a distribution table. */
  distribution(percentiles: number[] = [50, 75, 90, 95, 99, 99.9, 100]): { percentile: number; ms: number }[] {
    if (this.h.totalCount === 0) return [];
    return percentiles.map((p) => ({ percentile: p, ms: this.h.getValueAtPercentile(p) / MICROS_PER_MS }));
  }
}
