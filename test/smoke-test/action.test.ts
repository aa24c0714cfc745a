import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../harness/run-action.js';
import { startPrometheus, waitFor, type PrometheusService } from '../harness/services.js';
import { createTestCa, daysFromNow, type TestCa } from './certs.js';
import { startMetricsEndpoint } from './metrics.js';
import { json, startHttp, startHttps, type TestServer } from './servers.js';

// End to end through the bundle (build it first: pnpm build smoke-test), the way the runner runs it.
const TOKEN = 'Bearer e2e-s3cret-t0ken';
let service: TestServer;
let flaky: TestServer;
let slowTail: TestServer;
let unready: TestServer;
let expiringTls: TestServer;
let metrics: TestServer;
let prom: PrometheusService;
let ca: TestCa;
let caFile: string;

beforeAll(async () => {
  service = await startHttp((req, res) => {
    if (req.url === '/ready' || req.url === '/health') return json(res, 200, { status: 'ok', db: 'up' });
    if (req.url === '/api/me')
      return req.headers.authorization === TOKEN ? json(res, 200, { user: 'ci' }) : json(res, 401, { error: 'no' });
    json(res, 404, {});
  });
  let n = 0;
  flaky = await startHttp((_req, res) =>
    ++n % 100 === 0 ? json(res, 500, { status: 'error' }) : json(res, 200, { status: 'ok' }),
  );
  let m = 0;
  slowTail = await startHttp((_req, res) => {
    if (++m % 10 === 0) setTimeout(() => json(res, 200, {}), 600);
    else json(res, 200, {});
  });
  unready = await startHttp((_req, res) => json(res, 503, { status: 'starting' }));
  ca = createTestCa();
  caFile = join(ca.dir, 'ca.pem');
  expiringTls = await startHttps(
    ca.issue({ cn: 'localhost', ips: ['127.0.0.1'], notBefore: daysFromNow(-80), notAfter: daysFromNow(7) }),
    (_req, res) => json(res, 200, { status: 'ok' }),
  );
  metrics = await startMetricsEndpoint({ ralph_error_ratio: 0.02 });
  prom = await startPrometheus({ scrapeTargets: [`127.0.0.1:${metrics.port}`], scrapeInterval: '1s' });
  await waitFor(
    async () => {
      const body = (await (await fetch(`${prom.url}/api/v1/query?query=ralph_error_ratio`)).json()) as {
        data?: { result?: unknown[] };
      };
      return (body.data?.result?.length ?? 0) > 0;
    },
    30_000,
    'Prometheus to scrape',
  );
}, 90_000);

afterAll(async () => {
  await prom?.stop();
  await Promise.all([service, flaky, slowTail, unready, expiringTls, metrics].map((s) => s?.close()));
  ca?.cleanup();
});

describe('smoke-test action (bundle, end to end)', () => {
  it('passes a healthy service: outputs, summary, report, secrets masked', async () => {
    const r = await runAction('smoke-test', {
      inputs: {
        'base-url': service.url,
        checks: `- name: health\n  path: /health\n  json: { "$.db": up }\n- path: /api/me\n  headers: { Authorization: { env: SMOKE_TOKEN } }\n  body-contains: ci`,
        requests: 100,
        'prometheus-url': prom.url,
        'prometheus-queries': '- name: error ratio\n  query: ralph_error_ratio\n  condition: "< 0.1"',
      },
      env: { SMOKE_TOKEN: TOKEN },
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.passed).toBe('true');
    expect(Number(r.outputs['p95-ms'])).toBeGreaterThan(0);
    expect(r.outputs['error-rate']).toBe('0');
    expect(Number(r.outputs['ready-after-seconds'])).toBeGreaterThanOrEqual(0);
    expect(r.outputs['ready-after-seconds']).not.toBe('');
    const report = JSON.parse(readFileSync(r.outputs.report as string, 'utf8')) as {
      passed: boolean;
      sample: { sent: number };
      gates: unknown[];
    };
    expect(report).toMatchObject({ passed: true, sample: { sent: 100 } });
    expect(report.gates).toHaveLength(1);
    expect(r.summary).toContain('## Smoke test passed');
    expect(r.summary).toMatch(/\| ✅ pass \| health \| 200 in \d+ ms \|/);
    expect(r.summary).toMatch(/\| ✅ pass \| GET \/api\/me \|/);
    expect(r.summary).toContain('| Percentile | Latency (ms) |');
    expect(r.summary).toMatch(/\| ✅ pass \| p\(95\)<500 \| measured /);
    expect(r.summary).toMatch(/\| ✅ pass \| error ratio \| `ralph_error_ratio` \| < 0.1 \| 0.02 < 0.1 \|/);
    expect(r.masked).toContain(TOKEN);
    expect(r.log).not.toContain('e2e-s3cret-t0ken');
    expect(r.summary).not.toContain('e2e-s3cret-t0ken');
    expect(readFileSync(r.outputs.report as string, 'utf8')).not.toContain('e2e-s3cret-t0ken');
  });

  it('fails rate<0.001 when 1 % of requests answer 5xx, and shows the measured value', async () => {
    const r = await runAction('smoke-test', { inputs: { 'base-url': flaky.url, requests: 1000, concurrency: 10 } });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.passed).toBe('false');
    expect(r.outputs['error-rate']).toBe('0.01');
    // The default thresholds apply (p(95)<500 and rate<0.001); the rate is the one this server breaks.
    expect(r.errors.at(-1)).toMatch(
      /^threshold (rate<0\.001 failed: rate=0\.01 is not < 0\.001|p\(95\)<500 failed: .* \(and 1 more\))$/,
    );
    expect(r.summary).toContain('| ❌ fail | rate<0.001 | measured 0.01: rate=0.01 is not < 0.001 |');
    expect(r.log).not.toMatch(/\n\s+at /);
  });

  it('fails p(95)<500 when one request in ten takes 600 ms', async () => {
    const r = await runAction('smoke-test', {
      inputs: { 'base-url': slowTail.url, requests: 200, concurrency: 20, thresholds: 'p(95)<500\ncount==200' },
    });
    expect(r.exitCode).toBe(1);
    expect(Number(r.outputs['p95-ms'])).toBeGreaterThanOrEqual(600);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^threshold p\(95\)<500 failed: p\(95\)=\d+(\.\d)? is not < 500$/);
    expect(r.summary).toMatch(/\| ❌ fail \| p\(95\)<500 \| measured \d+/);
    expect(r.summary).toMatch(/\| ✅ pass \| count==200 \| measured 200 \|/);
  });

  it('fails when the service never becomes ready', async () => {
    const r = await runAction('smoke-test', { inputs: { 'base-url': unready.url, 'ready-timeout': '1500ms' } });
    expect(r.exitCode).toBe(1);
    expect(r.outputs).toMatchObject({ passed: 'false', 'ready-after-seconds': '', 'p95-ms': '' });
    expect(r.errors[0]).toMatch(
      new RegExp(
        `^service not ready: not ready after 1\\.\\d s \\(\\d+ attempts\\): ${unready.url}/health: unexpected status 503$`,
      ),
    );
    expect(r.summary).toMatch(/\| ❌ fail \| ready \(\/ready or \/health\) \|/);
  });

  it('stops at the action timeout while waiting for readiness, with outputs set', async () => {
    const r = await runAction('smoke-test', {
      inputs: { 'base-url': unready.url, 'ready-timeout': '10m', timeout: '2s' },
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toBe('smoke-test timed out after 2s');
    expect(r.outputs).toMatchObject({ passed: 'false', 'ready-after-seconds': '' });
  });

  it('fails a certificate that expires within tls-min-days, trusting the ca-file', async () => {
    const r = await runAction('smoke-test', {
      inputs: { 'base-url': expiringTls.url, 'ca-file': caFile, requests: 20 },
    });
    expect(r.exitCode).toBe(1);
    expect(r.summary).toMatch(/\| ✅ pass \| TLS 127\.0\.0\.1:\d+: certificate valid for 127\.0\.0\.1:\d+ \|/);
    expect(r.errors[0]).toMatch(/^check "TLS 127\.0\.0\.1:\d+: expires in >= 14 days" failed: expires in [67] days/);
    const lenient = await runAction('smoke-test', {
      inputs: { 'base-url': expiringTls.url, 'ca-file': caFile, requests: 20, 'tls-min-days': 3 },
    });
    expect(lenient.errors).toEqual([]);
    expect(lenient.exitCode).toBe(0);
  });

  it('fails a Prometheus gate with no data unless allow-no-data', async () => {
    const inputs = {
      'base-url': service.url,
      requests: 0,
      'prometheus-url': prom.url,
      'prometheus-queries':
        '- query: ralph_missing_metric\n  condition: "< 1"\n- query: ralph_error_ratio\n  condition: "< 0.01"',
    };
    const strict = await runAction('smoke-test', { inputs });
    expect(strict.exitCode).toBe(1);
    expect(strict.errors[0]).toBe(
      'Prometheus gate "ralph_missing_metric" inconclusive: the query returned no data (inconclusive) (and 1 more)',
    );
    expect(strict.summary).toMatch(/\| ❌ no data \| ralph_missing_metric \|/);
    expect(strict.summary).toMatch(/\| ❌ fail \| ralph_error_ratio \| .* = 0\.02 is not < 0\.01 \|/);
    const lenient = await runAction('smoke-test', {
      inputs: {
        ...inputs,
        'prometheus-queries': '- query: ralph_missing_metric\n  condition: "< 1"',
        'allow-no-data': true,
      },
    });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.summary).toMatch(/\| ⚠️ no data \| ralph_missing_metric \|/);
    expect(lenient.annotations.some((a) => a.level === 'warning' && a.message.includes('ralph_missing_metric'))).toBe(
      true,
    );
  });

  describe('bad input: one line naming it, non-zero exit, nothing sent', () => {
    it('a malformed threshold', async () => {
      const before = service.requests();
      const r = await runAction('smoke-test', {
        inputs: { 'base-url': service.url, thresholds: 'p(95)<500\np95<300' },
      });
      expect(r.exitCode).toBe(1);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^Input 'thresholds': threshold "p95<300": expected <aggregation><operator><number>/);
      expect(r.log).not.toMatch(/\n\s+at /);
      expect(service.requests()).toBe(before);
    });

    it('a header secret whose environment variable is missing', async () => {
      const r = await runAction('smoke-test', {
        inputs: {
          'base-url': service.url,
          checks: '- path: /api/me\n  headers: { Authorization: { env: NOT_SET_ANYWHERE } }',
        },
      });
      expect(r.exitCode).toBe(1);
      expect(r.errors).toEqual([
        "Input 'checks': checks[0].headers.Authorization: environment variable NOT_SET_ANYWHERE is not set",
      ]);
    });

    it('a check with an unknown key', async () => {
      const r = await runAction('smoke-test', {
        inputs: { 'base-url': service.url, checks: '- path: /health\n  expect: 200' },
      });
      expect(r.exitCode).toBe(1);
      expect(r.errors[0]).toMatch(/^Input 'checks': is invalid at 0/);
    });

    it('prometheus-queries without prometheus-url', async () => {
      const r = await runAction('smoke-test', {
        inputs: { 'base-url': service.url, 'prometheus-queries': '- query: up\n  condition: "== 1"' },
      });
      expect(r.errors).toEqual(["Input 'prometheus-url': is required when 'prometheus-queries' is set"]);
    });

    it('a bad threshold in the spec file points at its line', async () => {
      const ws = mkdtempSync(join(tmpdir(), 'ralph-smoke-ws-'));
      mkdirSync(join(ws, '.github'));
      writeFileSync(
        join(ws, '.github', 'ralph-deploy.yml'),
        [
          'version: 1',
          'environments:',
          '  production:',
          '    smoke-test:',
          `      base-url: ${service.url}`,
          '      thresholds:',
          '        - p(95)<500',
          '        - avg<<3',
          '',
        ].join('\n'),
      );
      const before = service.requests();
      const r = await runAction('smoke-test', { inputs: { environment: 'production' }, cwd: ws });
      expect(r.exitCode).toBe(1);
      // The failure line names file:line:column; the annotation marks the same place in the file.
      expect(r.errors.at(-1)).toMatch(/^\.github\/ralph-deploy\.yml:8:11: smoke-test\.thresholds: threshold "avg<<3"/);
      expect(r.annotations).toContainEqual(
        expect.objectContaining({ level: 'error', file: '.github/ralph-deploy.yml', line: 8 }),
      );
      expect(service.requests()).toBe(before);
    });
  });

  it('annotates the spec lines of failed checks and gates', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'ralph-smoke-ws-'));
    mkdirSync(join(ws, '.github'));
    writeFileSync(
      join(ws, '.github', 'ralph-deploy.yml'),
      [
        'version: 1',
        'environments:',
        '  production:',
        '    smoke-test:',
        `      base-url: ${service.url}`,
        '      requests: 0',
        '      checks:',
        '        - path: /health',
        '        - path: /missing',
        `      prometheus-url: ${prom.url}`,
        '      prometheus-queries:',
        '        - query: ralph_error_ratio',
        '          condition: "< 0.01"',
        '',
      ].join('\n'),
    );
    const r = await runAction('smoke-test', { inputs: { environment: 'production' }, cwd: ws });
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toBe('check "GET /missing" failed: status 404, expected 2xx (and 1 more)');
    const onSpec = r.annotations.filter((a) => a.file === '.github/ralph-deploy.yml').map((a) => [a.line, a.message]);
    expect(onSpec).toEqual([
      [9, 'GET /missing: status 404, expected 2xx'],
      [12, expect.stringMatching(/^ralph_error_ratio: .* = 0\.02 is not < 0\.01$/)],
    ]);
  });

  it('reads its settings from the spec and does nothing in a dry run', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'ralph-smoke-ws-'));
    mkdirSync(join(ws, '.github'));
    writeFileSync(
      join(ws, '.github', 'ralph-deploy.yml'),
      [
        'version: 1',
        'environments:',
        '  staging:',
        '    smoke-test:',
        `      base-url: ${service.url}`,
        '      requests: 50',
        '      checks:',
        '        - path: /health',
        '          expect-status: [200]',
        '',
      ].join('\n'),
    );
    const before = service.requests();
    const dry = await runAction('smoke-test', { inputs: { environment: 'staging', 'dry-run': true }, cwd: ws });
    expect(dry.exitCode).toBe(0);
    expect(service.requests()).toBe(before);
    expect(dry.summary).toContain('Smoke test plan (dry run: no request sent)');
    expect(dry.summary).toContain('SLA sample of /health: 50 requests');
    const real = await runAction('smoke-test', { inputs: { environment: 'staging' }, cwd: ws });
    expect(real.exitCode).toBe(0);
    expect(real.summary).toContain('| ✅ pass | GET /health |');
    expect(service.requests() - before).toBeGreaterThanOrEqual(51);
    expect(existsSync(real.outputs.report as string)).toBe(true);
  });
});
