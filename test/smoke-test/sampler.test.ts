import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { evaluateThreshold, parseThreshold, sampleLatency, type SampleResult } from '../../packages/probe/src/index.js';
import { json, startHttp, type TestServer } from './servers.js';

let healthy: TestServer;
let flaky: TestServer;
let slowTail: TestServer;
let hanging: TestServer;

beforeAll(async () => {
  healthy = await startHttp((_req, res) => json(res, 200, { status: 'ok' }));
  let n = 0;
  // Exactly 1 % of requests get a 503.
  flaky = await startHttp((_req, res) =>
    ++n % 100 === 0 ? json(res, 503, { status: 'overloaded' }) : json(res, 200, { status: 'ok' }),
  );
  let m = 0;
  // One request in ten takes 600 ms: the p95 is about 600 ms, the median stays fast.
  slowTail = await startHttp((_req, res) => {
    if (++m % 10 === 0) setTimeout(() => json(res, 200, { status: 'ok' }), 600);
    else json(res, 200, { status: 'ok' });
  });
  let k = 0;
  // One request in ten is never answered.
  hanging = await startHttp((_req, res) => {
    if (++k % 10 !== 0) json(res, 200, { status: 'ok' });
  });
});

afterAll(async () => {
  await Promise.all([healthy, flaky, slowTail, hanging].map((s) => s.close()));
});

const judge = (r: SampleResult, t: string) => evaluateThreshold(parseThreshold(t), r.metrics);

describe('SLA sampler against real servers', () => {
  it('a healthy endpoint meets the guide SLA', async () => {
    const r = await sampleLatency({ urls: [`${healthy.url}/health`], requests: 300, concurrency: 10 });
    expect(r.summary).toMatchObject({
      sent: 300,
      completed: 300,
      errors: 0,
      errorRate: 0,
      statusCounts: { '200': 300 },
    });
    expect(judge(r, 'p(95)<500').passed).toBe(true);
    expect(judge(r, 'rate<0.001').passed).toBe(true);
    expect(judge(r, 'count==300').passed).toBe(true);
    expect(r.summary.latency?.p95).toBeGreaterThan(0);
    expect(r.summary.throughput).toBeGreaterThan(0);
  });

  it('1 % of 5xx fails rate<0.001', async () => {
    const r = await sampleLatency({ urls: [`${flaky.url}/health`], requests: 1000, concurrency: 10 });
    expect(r.summary).toMatchObject({
      sent: 1000,
      errors: 10,
      errorsByKind: { status: 10, timeout: 0, connection: 0 },
      statusCounts: { '200': 990, '503': 10 },
    });
    expect(r.summary.errorRate).toBeCloseTo(0.01, 10);
    const t = judge(r, 'rate<0.001');
    expect(t).toMatchObject({ passed: false, measured: 0.01, reason: 'rate=0.01 is not < 0.001' });
    expect(judge(r, 'rate<=0.01').passed).toBe(true);
    expect(r.summary.sampleErrors).toEqual(['unexpected status 503']);
  });

  it('a p95 of about 600 ms fails p(95)<500 while the median passes', async () => {
    const r = await sampleLatency({ urls: [`${slowTail.url}/health`], requests: 200, concurrency: 20 });
    expect(r.summary.errors).toBe(0);
    const p95 = judge(r, 'p(95)<500');
    expect(p95.passed).toBe(false);
    expect(p95.measured).toBeGreaterThanOrEqual(600);
    expect(judge(r, 'med<500').passed).toBe(true);
  });

  it('counts timeouts as errors and keeps their latency', async () => {
    const r = await sampleLatency({ urls: [`${hanging.url}/health`], requests: 100, concurrency: 10, timeoutMs: 300 });
    expect(r.summary).toMatchObject({
      sent: 100,
      completed: 90,
      errors: 10,
      errorsByKind: { status: 0, timeout: 10, connection: 0 },
    });
    expect(r.summary.latency?.max).toBeGreaterThanOrEqual(300);
    expect(judge(r, 'rate<0.001').passed).toBe(false);
  });

  it('counts connection errors, and thresholds on latency then have no samples', async () => {
    const r = await sampleLatency({ urls: ['http://127.0.0.1:1/health'], requests: 20, concurrency: 4 });
    expect(r.summary).toMatchObject({
      sent: 20,
      completed: 0,
      errors: 20,
      errorsByKind: { connection: 20 },
      errorRate: 1,
    });
    expect(r.summary.latency).toBeUndefined();
    expect(judge(r, 'p(95)<500')).toMatchObject({ passed: false, reason: 'p(95) has no samples' });
  });

  it('bounds a duration sample by the request rate', async () => {
    const r = await sampleLatency({
      urls: [`${healthy.url}/a`, `${healthy.url}/b`],
      durationMs: 1000,
      rate: 20,
      concurrency: 5,
    });
    expect(r.summary.sent).toBeGreaterThan(0);
    expect(r.summary.sent).toBeLessThanOrEqual(20);
    expect(r.summary.errors).toBe(0);
  });

  it('stops sending when aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await sampleLatency({
      urls: [`${healthy.url}/health`],
      durationMs: 60_000,
      concurrency: 4,
      rate: 50,
      signal: controller.signal,
    });
    expect(r.summary.sent).toBeLessThan(60 * 50);
    expect(r.summary.errors).toBe(0);
  });
});
