import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildTarget, LoadConnection, sampleLatency } from '../../packages/probe/src/index.js';
import { createTestCa, daysFromNow, type TestCa } from './certs.js';
import { startHttp, startHttps, type TestServer } from './servers.js';

let ca: TestCa;
let tlsServer: TestServer;
let varied: TestServer;

beforeAll(async () => {
  ca = createTestCa();
  tlsServer = await startHttps(
    ca.issue({ cn: 'localhost', ips: ['127.0.0.1'], notBefore: daysFromNow(-1), notAfter: daysFromNow(30) }),
    (_req, res) => res.end('ok'),
  );
  varied = await startHttp((req, res) => {
    switch (req.url) {
      case '/chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part one, ');
        setTimeout(() => res.end('part two'), 5);
        return;
      case '/close':
        res.writeHead(200, { connection: 'close', 'content-length': '2' });
        return res.end('ok');
      case '/auth':
        res.writeHead(req.headers.authorization === 'Bearer x' ? 200 : 401);
        return res.end();
      default:
        res.writeHead(200, { 'content-length': '5' });
        return res.end(req.method === 'HEAD' ? undefined : 'hello');
    }
  });
});

afterAll(async () => {
  await tlsServer.close();
  await varied.close();
  ca.cleanup();
});

describe('LoadConnection and the sampler on real servers', () => {
  it('samples over HTTPS, trusting the given CA, and fails closed without it', async () => {
    const ok = await sampleLatency({ urls: [`${tlsServer.url}/`], requests: 50, concurrency: 5, ca: ca.certPem });
    expect(ok.summary).toMatchObject({ sent: 50, errors: 0 });
    const untrusted = await sampleLatency({ urls: [`${tlsServer.url}/`], requests: 5, concurrency: 1 });
    expect(untrusted.summary).toMatchObject({ sent: 5, errors: 5, errorsByKind: { connection: 5 } });
    expect(untrusted.summary.sampleErrors[0]).toMatch(/certificate|UNABLE_TO_VERIFY/i);
  });

  it('handles chunked bodies, Connection: close, HEAD and headers', async () => {
    const r = await sampleLatency({
      urls: [`${varied.url}/chunked`, `${varied.url}/close`, `${varied.url}/plain`],
      requests: 90,
      concurrency: 3,
    });
    expect(r.summary).toMatchObject({ sent: 90, errors: 0, statusCounts: { '200': 90 } });
    const head = await sampleLatency({ urls: [`${varied.url}/plain`], requests: 10, concurrency: 2, method: 'HEAD' });
    expect(head.summary).toMatchObject({ sent: 10, errors: 0 });
    const auth = await sampleLatency({
      urls: [`${varied.url}/auth`],
      requests: 10,
      concurrency: 2,
      headers: { Authorization: 'Bearer x' },
    });
    expect(auth.summary).toMatchObject({ errors: 0 });
    const denied = await sampleLatency({ urls: [`${varied.url}/auth`], requests: 10, concurrency: 2 });
    expect(denied.summary).toMatchObject({ errors: 10, statusCounts: { '401': 10 } });
  });

  it('reconnects after the server closes an idle keep-alive connection', async () => {
    const conn = new LoadConnection(new URL(varied.url), { timeoutMs: 2000 });
    const target = buildTarget(`${varied.url}/close`, 'GET');
    try {
      for (let i = 0; i < 3; i++) expect(await conn.send(target)).toMatchObject({ ok: true, status: 200 });
    } finally {
      conn.close();
    }
  });

  it('refuses header values that would split the request', () => {
    expect(() => buildTarget('http://127.0.0.1/', 'GET', { 'X-A': 'v\r\nX-Injected: 1' })).toThrow(/line break/);
  });
});
