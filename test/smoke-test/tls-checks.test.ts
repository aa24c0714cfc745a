import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runTlsCheck, type CheckOutcome, type TlsCheck } from '../../packages/probe/src/index.js';
import { createTestCa, daysFromNow, type TestCa } from './certs.js';
import { startHttp, startHttps, type TestServer } from './servers.js';

let ca: TestCa;
const servers: TestServer[] = [];
let valid: TestServer;
let expired: TestServer;
let nearlyExpired: TestServer;
let wrongHost: TestServer;
let otherCa: TestCa;
let untrusted: TestServer;
let redirecting: TestServer;
let plainHttp: TestServer;

beforeAll(async () => {
  ca = createTestCa();
  otherCa = createTestCa('someone else');
  const leaf = (notAfterDays: number, names = { dns: ['localhost'], ips: ['127.0.0.1'] }, issuer = ca) =>
    issuer.issue({ cn: 'localhost', ...names, notBefore: daysFromNow(-60), notAfter: daysFromNow(notAfterDays) });
  const hsts = { 'strict-transport-security': 'max-age=31536000; includeSubDomains' };
  valid = await startHttps(leaf(90), (_req, res) => {
    res.writeHead(200, hsts);
    res.end('ok');
  });
  expired = await startHttps(leaf(-2), (_req, res) => res.end('ok'));
  nearlyExpired = await startHttps(leaf(5), (_req, res) => {
    res.writeHead(200, { 'strict-transport-security': 'max-age=600' });
    res.end('ok');
  });
  wrongHost = await startHttps(leaf(90, { dns: ['other.example'], ips: [] }), (_req, res) => res.end('ok'));
  untrusted = await startHttps(leaf(90, { dns: ['localhost'], ips: ['127.0.0.1'] }, otherCa), (_req, res) =>
    res.end('ok'),
  );
  redirecting = await startHttp((req, res) => {
    res.writeHead(301, { location: `https://127.0.0.1:${valid.port}${req.url ?? '/'}` });
    res.end();
  });
  plainHttp = await startHttp((_req, res) => res.end('plain'));
  servers.push(valid, expired, nearlyExpired, wrongHost, untrusted, redirecting, plainHttp);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  ca.cleanup();
  otherCa.cleanup();
});

const check = (server: TestServer, extra: Partial<TlsCheck> = {}): TlsCheck => ({
  name: 'tls',
  url: `${server.url}/`,
  minDays: 14,
  timeoutMs: 3000,
  ...extra,
});
const byAspect = (rows: CheckOutcome[]) =>
  Object.fromEntries(rows.map((r) => [r.name.replace(/^tls: /, '').replace(/ for .*| >= \d+ days/, ''), r]));

describe('TLS checks against real HTTPS servers', () => {
  it('passes a trusted certificate valid for the host with time to spare', async () => {
    const rows = await runTlsCheck(check(valid), { ca: ca.certPem });
    expect(rows.map((r) => [r.name, r.passed])).toEqual([
      [`tls: certificate valid for 127.0.0.1:${valid.port}`, true],
      ['tls: expires in >= 14 days', true],
    ]);
    expect(rows[1]?.detail).toMatch(/^expires in (89|90) days/);
  });

  it('fails an expired certificate on both chain and expiry', async () => {
    const rows = byAspect(await runTlsCheck(check(expired), { ca: ca.certPem }));
    expect(rows['certificate valid']).toMatchObject({ passed: false, detail: 'CERT_HAS_EXPIRED' });
    expect(rows['expires in']?.passed).toBe(false);
    expect(rows['expires in']?.detail).toMatch(/^expired [23] days ago/);
  });

  it('fails a nearly expired certificate against tls-min-days while its chain is valid', async () => {
    const rows = byAspect(await runTlsCheck(check(nearlyExpired), { ca: ca.certPem }));
    expect(rows['certificate valid']?.passed).toBe(true);
    expect(rows['expires in']?.passed).toBe(false);
    expect(rows['expires in']?.detail).toMatch(/^expires in [45] days .*, fewer than 14$/);
    const lenient = byAspect(await runTlsCheck(check(nearlyExpired, { minDays: 3 }), { ca: ca.certPem }));
    expect(lenient['expires in']?.passed).toBe(true);
  });

  it('fails a certificate for another host name', async () => {
    const rows = byAspect(await runTlsCheck(check(wrongHost), { ca: ca.certPem }));
    expect(rows['certificate valid']?.passed).toBe(false);
    expect(rows['certificate valid']?.detail).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list|does not match/);
  });

  it('fails a certificate from an untrusted issuer', async () => {
    const rows = byAspect(await runTlsCheck(check(untrusted), { ca: ca.certPem }));
    expect(rows['certificate valid']).toMatchObject({ passed: false });
    expect(rows['certificate valid']?.detail).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to get/i);
  });

  it('fails when nothing speaks TLS on the port', async () => {
    const rows = await runTlsCheck(check(plainHttp, { url: `https://127.0.0.1:${plainHttp.port}/` }), {
      ca: ca.certPem,
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ passed: false, name: 'tls: certificate' });
  });

  it('HTTP to HTTPS redirect: passes on a redirect to https, fails on a plain answer', async () => {
    const ok = byAspect(await runTlsCheck(check(valid, { redirectFrom: `${redirecting.url}/` }), { ca: ca.certPem }));
    expect(ok['HTTP redirects to HTTPS']).toMatchObject({ passed: true });
    expect(ok['HTTP redirects to HTTPS']?.detail).toContain(`-> 301 https://127.0.0.1:${valid.port}/`);
    const bad = byAspect(await runTlsCheck(check(valid, { redirectFrom: `${plainHttp.url}/` }), { ca: ca.certPem }));
    expect(bad['HTTP redirects to HTTPS']).toMatchObject({
      passed: false,
      detail: `${plainHttp.url}/ answered 200, not a redirect`,
    });
  });

  it('HSTS: passes a long max-age, fails a short one and a missing header', async () => {
    const ok = byAspect(await runTlsCheck(check(valid, { hstsMinMaxAge: 15_552_000 }), { ca: ca.certPem }));
    expect(ok.HSTS?.passed).toBe(true);
    const short = byAspect(await runTlsCheck(check(nearlyExpired, { hstsMinMaxAge: 15_552_000 }), { ca: ca.certPem }));
    expect(short.HSTS).toMatchObject({ passed: false, detail: 'max-age=600 is below 15552000' });
    const none = byAspect(await runTlsCheck(check(expired, { hstsMinMaxAge: 1 }), { ca: ca.certPem }));
    expect(none.HSTS).toMatchObject({ passed: false, detail: 'no Strict-Transport-Security header' });
  });
});
