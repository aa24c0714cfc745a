import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { evaluateGates } from '../../packages/probe/src/index.js';
import { startPrometheus, waitFor, type PrometheusService } from '../harness/services.js';
import { startMetricsEndpoint } from './metrics.js';
import type { TestServer } from './servers.js';

let metrics: TestServer;
let prom: PrometheusService;

beforeAll(async () => {
  metrics = await startMetricsEndpoint({ ralph_error_ratio: 0.05, ralph_p95_seconds: 0.8, ralph_ratio_nan: NaN });
  prom = await startPrometheus({ scrapeTargets: [`127.0.0.1:${metrics.port}`], scrapeInterval: '1s' });
  await waitFor(
    async () => {
      const r = await fetch(`${prom.url}/api/v1/query?query=ralph_error_ratio`);
      const body = (await r.json()) as { data?: { result?: unknown[] } };
      return (body.data?.result?.length ?? 0) > 0;
    },
    30_000,
    'Prometheus to scrape the test metrics',
  );
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  await metrics?.close();
});

const gate = (query: string, condition: string) => ({ name: query, query, condition });
const run = (gates: ReturnType<typeof gate>[], allowNoData = false) =>
  evaluateGates({ prometheusUrl: prom.url, gates, allowNoData, timeoutMs: 5000, retryDelayMs: 10 });

describe('Prometheus gates against a real Prometheus', () => {
  it('passes a vector below its threshold and fails one above it', async () => {
    const [below, above] = await run([gate('ralph_error_ratio', '< 0.1'), gate('ralph_p95_seconds', '< 0.5')]);
    expect(below).toMatchObject({ verdict: 'pass', passed: true, detail: '0.05 < 0.1' });
    expect(below?.values[0]?.labels).toMatch(/^ralph_error_ratio\{.*job="ralph"/);
    expect(above).toMatchObject({ verdict: 'fail', passed: false });
    expect(above?.detail).toMatch(/ralph_p95_seconds\{.*\} = 0\.8 is not < 0\.5/);
  });

  it('reads scalar results', async () => {
    const [s] = await run([gate('scalar(ralph_error_ratio) * 10', '<= 0.5')]);
    expect(s).toMatchObject({ verdict: 'pass', values: [{ labels: 'scalar', value: 0.5 }] });
  });

  it('treats a filter that matched nothing, a missing metric and NaN as no data, failing without allow-no-data', async () => {
    const results = await run([
      gate('ralph_error_ratio > 0.1', '< 0.1'),
      gate('ralph_metric_that_does_not_exist', '< 1'),
      gate('ralph_ratio_nan', '< 1'),
    ]);
    expect(results.map((r) => [r.verdict, r.passed])).toEqual([
      ['no-data', false],
      ['no-data', false],
      ['no-data', false],
    ]);
    expect(results[0]?.detail).toBe('the query returned no data (inconclusive)');
    expect(results[2]?.detail).toMatch(/^NaN for ralph_ratio_nan/);
  });

  it('lets no data pass with allow-no-data', async () => {
    const [r] = await run([gate('ralph_metric_that_does_not_exist', '< 1')], true);
    expect(r).toMatchObject({
      verdict: 'no-data',
      passed: true,
      detail: 'the query returned no data (inconclusive, allowed by allow-no-data)',
    });
  });

  it('reports a PromQL error and an unreachable server as failures', async () => {
    const [bad] = await run([gate('rate(ralph_error_ratio', '< 1')]);
    expect(bad).toMatchObject({ verdict: 'error', passed: false });
    expect(bad?.detail).toMatch(/^Prometheus rejected the query \(bad_data\)/);
    const [down] = await evaluateGates({
      prometheusUrl: 'http://127.0.0.1:1',
      gates: [gate('up', '== 1')],
      allowNoData: true,
      timeoutMs: 1000,
      retryDelayMs: 1,
    });
    expect(down).toMatchObject({ verdict: 'error', passed: false });
    expect(down?.detail).toMatch(/Prometheus unreachable: .*ECONNREFUSED/);
  });
});
