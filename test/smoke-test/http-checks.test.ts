import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { memoryLogger } from '../../packages/common/src/index.js';
import {
  planChecks,
  probeHttp,
  runHttpCheck,
  waitUntilReady,
  type HttpCheckSpec,
} from '../../packages/probe/src/index.js';
import { json, startHttp, type TestServer } from './servers.js';

let server: TestServer;
let slowServer: TestServer;

beforeAll(async () => {
  server = await startHttp((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/health') return json(res, 200, { status: 'ok', checks: [{ name: 'db', up: true }] });
      if (url.pathname === '/private') {
        return req.headers.authorization === 'Bearer t0ken-value'
          ? json(res, 200, { user: 'ci' })
          : json(res, 401, { error: 'unauthorised' });
      }
      if (url.pathname === '/echo')
        return json(res, req.method === 'POST' ? 201 : 405, { got: Buffer.concat(chunks).toString() });
      if (url.pathname === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('service is UP');
      }
      if (url.pathname === '/slow') return void setTimeout(() => json(res, 200, { ok: true }), 300);
      json(res, 404, { error: 'not found' });
    });
  });
  slowServer = await startHttp(() => undefined); // accepts and never answers
});

afterAll(async () => {
  await server.close();
  await slowServer.close();
});

function plan(spec: HttpCheckSpec, env: Record<string, string> = {}) {
  const log = memoryLogger();
  const { http } = planChecks([spec], { baseUrl: server.url, requestTimeoutMs: 2000, tlsMinDays: 14, env, log });
  return { check: http[0]!, log };
}

describe('HTTP checks against a real server', () => {
  it('status: passes on 2xx by default and on the expected list, fails otherwise', async () => {
    expect((await runHttpCheck(plan({ path: '/health' }).check)).passed).toBe(true);
    expect((await runHttpCheck(plan({ path: '/nope', 'expect-status': 404 }).check)).passed).toBe(true);
    const bad = await runHttpCheck(plan({ path: '/nope' }).check);
    expect(bad).toMatchObject({ passed: false, status: 404 });
    expect(bad.detail).toBe('status 404, expected 2xx');
  });

  it('method and body: POST with a body', async () => {
    const ok = await runHttpCheck(
      plan({ path: '/echo', method: 'post', body: 'hello', 'expect-status': [201], json: { '$.got': 'hello' } }).check,
    );
    expect(ok).toMatchObject({ passed: true, status: 201 });
    const wrong = await runHttpCheck(plan({ path: '/echo', 'expect-status': [201] }).check);
    expect(wrong.failures).toEqual(['status 405, expected 201']);
  });

  it('headers: a secret read from the environment is sent and masked', async () => {
    const { check, log } = plan(
      { path: '/private', headers: { Authorization: { env: 'SMOKE_TOKEN' } } },
      { SMOKE_TOKEN: 'Bearer t0ken-value' },
    );
    expect(log.secrets).toContain('Bearer t0ken-value');
    expect((await runHttpCheck(check)).passed).toBe(true);
    const denied = await runHttpCheck(plan({ path: '/private', headers: { Authorization: 'Bearer wrong' } }).check);
    expect(denied).toMatchObject({ passed: false, status: 401 });
  });

  it('body contains', async () => {
    expect((await runHttpCheck(plan({ path: '/text', 'body-contains': ['is UP', 'service'] }).check)).passed).toBe(
      true,
    );
    const r = await runHttpCheck(plan({ path: '/text', 'body-contains': 'DOWN' }).check);
    expect(r.passed).toBe(false);
    expect(r.detail).toMatch(/body does not contain "DOWN"/);
  });

  it('JSON path equals, including a missing path and a non-JSON body', async () => {
    expect(
      (await runHttpCheck(plan({ path: '/health', json: { '$.status': 'ok', '$.checks[0].up': true } }).check)).passed,
    ).toBe(true);
    const r = await runHttpCheck(plan({ path: '/health', json: { '$.status': 'degraded', '$.version': '1.2' } }).check);
    expect(r.failures).toEqual(['$.status is "ok", expected "degraded"', '$.version is missing']);
    const text = await runHttpCheck(plan({ path: '/text', json: { '$.status': 'ok' } }).check);
    expect(text.failures[0]).toMatch(/^body is not JSON/);
  });

  it('max latency', async () => {
    expect((await runHttpCheck(plan({ path: '/slow', 'max-latency': '5s' }).check)).passed).toBe(true);
    const r = await runHttpCheck(plan({ path: '/slow', 'max-latency': '100ms' }).check);
    expect(r.passed).toBe(false);
    expect(r.detail).toMatch(/more than 100 ms/);
  });

  it('a connection error and a timeout are failures, not exceptions', async () => {
    const refused = await probeHttp({ url: 'http://127.0.0.1:1/health', timeoutMs: 1000 });
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/ECONNREFUSED/);
    const hung = await runHttpCheck({ ...plan({ path: '/' }).check, url: `${slowServer.url}/`, timeoutMs: 200 });
    expect(hung).toMatchObject({ passed: false, detail: 'timed out after 200 ms' });
  });
});

describe('waitUntilReady', () => {
  it('waits for a server that becomes ready only after a delay, falling back to /health', async () => {
    const readyAt = Date.now() + 1500;
    const late = await startHttp((req, res) => {
      if (req.url === '/health' && Date.now() >= readyAt) return json(res, 200, { status: 'ok' });
      json(res, 503, { status: 'starting' });
    });
    try {
      const r = await waitUntilReady({
        urls: [`${late.url}/ready`, `${late.url}/health`],
        timeoutMs: 20_000,
        intervalMs: 100,
      });
      expect(r.ready).toBe(true);
      expect(r.url).toBe(`${late.url}/health`);
      expect(r.attempts).toBeGreaterThan(1);
      expect(r.afterMs).toBeGreaterThan(0);
    } finally {
      await late.close();
    }
  });

  it('gives up at the deadline and says why', async () => {
    const r = await waitUntilReady({ urls: [`${server.url}/never`], timeoutMs: 800, intervalMs: 100 });
    expect(r.ready).toBe(false);
    expect(r.lastError).toBe(`${server.url}/never: unexpected status 404`);
    expect(r.attempts).toBeGreaterThan(1);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const r = await waitUntilReady({
      urls: [`${server.url}/never`],
      timeoutMs: 60_000,
      intervalMs: 50,
      signal: controller.signal,
    });
    expect(r).toMatchObject({ ready: false, lastError: 'aborted' });
  });
});
