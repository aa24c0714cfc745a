import { describe, expect, it } from '@jest/globals';
import { memoryLogger } from '@ralph-deploy/common';
import { CheckConfigError, joinUrl, planChecks } from '../src/plan.js';
import { DEFAULT_HSTS_MIN_MAX_AGE, hstsMaxAge } from '../src/tls-check.js';

describe('joinUrl', () => {
  it('keeps the base path prefix and the query', () => {
    expect(joinUrl('https://h.example/api/', '/health')).toBe('https://h.example/api/health');
    expect(joinUrl('https://h.example/api', 'ready?x=1')).toBe('https://h.example/api/ready?x=1');
    expect(joinUrl('http://127.0.0.1:8080', '/')).toBe('http://127.0.0.1:8080/');
    expect(joinUrl('http://a', 'https://b/c')).toBe('https://b/c');
  });
});

describe('planChecks', () => {
  const ctx = (env: Record<string, string> = {}) => ({
    baseUrl: 'https://svc.example:8443/app',
    requestTimeoutMs: 5000,
    tlsMinDays: 14,
    env,
    log: memoryLogger(),
  });

  it('resolves secret headers from the environment and masks them first', () => {
    const c = ctx({ API_TOKEN: 'Bearer s3cr3t-token' });
    const plan = planChecks(
      [
        {
          path: '/health',
          headers: { Authorization: { env: 'API_TOKEN' }, 'X-Plain': 'v' },
          'expect-status': 204,
          'max-latency': '300ms',
        },
      ],
      c,
    );
    expect(plan.http[0]).toMatchObject({
      name: 'GET /health',
      index: 0,
      url: 'https://svc.example:8443/app/health',
      headers: { Authorization: 'Bearer s3cr3t-token', 'X-Plain': 'v' },
      expectStatus: [204],
      maxLatencyMs: 300,
      timeoutMs: 5000,
    });
    expect(c.log.secrets).toEqual(['Bearer s3cr3t-token']);
  });

  it('names the check and header whose variable is missing', () => {
    expect(() =>
      planChecks([{ path: '/' }, { path: '/x', headers: { Authorization: { env: 'NOPE' } } }], ctx()),
    ).toThrow(new CheckConfigError([1, 'headers', 'Authorization'], 'environment variable NOPE is not set'));
  });

  it('adds a certificate check for an https base URL and plans explicit TLS checks', () => {
    expect(planChecks([], ctx()).tls).toEqual([
      { name: 'TLS svc.example:8443', url: 'https://svc.example:8443/', minDays: 14, timeoutMs: 5000 },
    ]);
    const explicit = planChecks([{ type: 'tls', redirect: true, hsts: true, 'min-days': 30 }], ctx()).tls;
    expect(explicit).toEqual([
      {
        name: 'TLS svc.example:8443',
        index: 0,
        url: 'https://svc.example:8443/',
        minDays: 30,
        timeoutMs: 5000,
        redirectFrom: 'http://svc.example/',
        hstsMinMaxAge: DEFAULT_HSTS_MIN_MAX_AGE,
      },
    ]);
    expect(() => planChecks([{ type: 'tls', url: 'http://plain.example' }], ctx())).toThrow(/needs an https/);
    expect(() => planChecks([{ type: 'tls', redirect: 'https://x' }], ctx())).toThrow(/must be an http:\/\/ URL/);
  });

  it('rejects a bad duration with its location', () => {
    expect(() => planChecks([{ path: '/', 'max-latency': 'soon' }], ctx())).toThrow(
      'checks[0].max-latency: "soon" is not a duration',
    );
  });
});

describe('hstsMaxAge', () => {
  it('reads max-age per RFC 6797', () => {
    expect(hstsMaxAge('max-age=31536000; includeSubDomains')).toBe(31536000);
    expect(hstsMaxAge('includeSubDomains; Max-Age="600"')).toBe(600);
    expect(hstsMaxAge('includeSubDomains')).toBeUndefined();
  });
});
