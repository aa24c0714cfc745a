import tls from 'node:tls';
import net from 'node:net';
import { describeNetworkError, probeHttp } from './http.js';
import type { CheckOutcome } from './http-check.js';

export interface TlsCheck {
  name: string;
  /** Position in the `checks` list it came from (absent for the automatic base-url check). */
  index?: number;
  /** https:// URL whose certificate is checked. */
  url: string;
  minDays: number;
  /** http:// URL that must redirect to https on the same host; undefined skips the check. */
  redirectFrom?: string;
  /** Minimum HSTS max-age in seconds; undefined skips the check. */
  hstsMinMaxAge?: number;
  timeoutMs: number;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  daysLeft: number;
  /** Chain verification against the trust store (and any extra CA), and the host name. */
  chainValid: boolean;
  chainError?: string;
}

/** Default HSTS minimum: 180 days, what SSL Labs requires for its top grade. */
export const DEFAULT_HSTS_MIN_MAX_AGE = 15_552_000;
const DAY_MS = 86_400_000;

/**
 * Connects with TLS and reads the peer certificate without rejecting it, so an expired or
 * mismatched certificate is reported precisely instead of as a bare handshake error.
 */
export function inspectCertificate(
  url: string,
  opts: { ca?: string | Buffer | (string | Buffer)[]; timeoutMs: number; now?: Date },
): Promise<CertificateInfo> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      // SNI must not be an IP address (RFC 6066).
      ...(net.isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TLS handshake with ${host}:${port} timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(describeNetworkError(e)));
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      if (!cert || Object.keys(cert).length === 0) {
        socket.destroy();
        reject(new Error('the server sent no certificate'));
        return;
      }
      // The chain check above skips the host name when rejectUnauthorized is false: check it here.
      const identityError = tls.checkServerIdentity(host, cert);
      // Node reports a name mismatch only as a code; checkServerIdentity says which names the certificate has.
      const chainError =
        identityError?.message ?? (socket.authorizationError ? String(socket.authorizationError) : undefined);
      const now = opts.now ?? new Date();
      const info: CertificateInfo = {
        subject: formatName(cert.subject),
        issuer: formatName(cert.issuer),
        validFrom: new Date(cert.valid_from).toISOString(),
        validTo: new Date(cert.valid_to).toISOString(),
        daysLeft: (new Date(cert.valid_to).getTime() - now.getTime()) / DAY_MS,
        chainValid: chainError === undefined,
      };
      if (chainError !== undefined) info.chainError = chainError;
      socket.end();
      resolve(info);
    });
  });
}

function formatName(name: tls.PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}

/** Parses `max-age` out of a Strict-Transport-Security header (RFC 6797 section 6.1). */
export function hstsMaxAge(header: string): number | undefined {
  const m = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?\s*(?:;|$)/i.exec(header);
  return m ? Number(m[1]) : undefined;
}

/** Runs a TLS check; each aspect (chain, expiry, redirect, HSTS) is its own outcome row. */
export async function runTlsCheck(
  check: TlsCheck,
  opts: { ca?: string | Buffer | (string | Buffer)[]; signal?: AbortSignal; now?: Date } = {},
): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  const host = new URL(check.url).host;
  const row = (aspect: string, failures: string[], ok: string): CheckOutcome => ({
    name: `${check.name}: ${aspect}`,
    kind: 'tls',
    passed: failures.length === 0,
    detail: failures.length > 0 ? failures.join('; ') : ok,
    failures,
    ...(check.index !== undefined ? { index: check.index } : {}),
  });
  let cert: CertificateInfo | undefined;
  try {
    cert = await inspectCertificate(check.url, {
      timeoutMs: check.timeoutMs,
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  } catch (e: unknown) {
    const msg = e instanceof Error ? e.message : String(e);
    out.push(row('certificate', [msg], ''));
  }
  if (cert) {
    out.push(
      row(
        `certificate valid for ${host}`,
        cert.chainValid ? [] : [cert.chainError ?? 'not trusted'],
        `issued by ${cert.issuer}`,
      ),
    );
    const days = Math.floor(cert.daysLeft);
    const expiry =
      cert.daysLeft < 0
        ? [`expired ${-days} days ago (${cert.validTo})`]
        : cert.daysLeft < check.minDays
          ? [`expires in ${days} days (${cert.validTo}), fewer than ${check.minDays}`]
          : [];
    out.push(row(`expires in >= ${check.minDays} days`, expiry, `expires in ${days} days (${cert.validTo})`));
  }
  if (check.redirectFrom !== undefined) out.push(await redirectOutcome(check, opts.signal));
  if (check.hstsMinMaxAge !== undefined) out.push(await hstsOutcome(check, opts));
  return out;

  async function redirectOutcome(c: TlsCheck, signal?: AbortSignal): Promise<CheckOutcome> {
    const from = c.redirectFrom as string;
    const r = await probeHttp({ url: from, timeoutMs: c.timeoutMs, readBody: false, ...(signal ? { signal } : {}) });
    const failures: string[] = [];
    let target = '';
    if (r.status === undefined) failures.push(`${from}: ${r.error ?? 'no response'}`);
    else if (![301, 302, 303, 307, 308].includes(r.status))
      failures.push(`${from} answered ${r.status}, not a redirect`);
    else {
      target = r.headers?.location ?? '';
      let loc: URL | undefined;
      try {
        loc = new URL(target, from);
      } catch {
        /* reported below */
      }
      if (!loc || loc.protocol !== 'https:')
        failures.push(`${from} redirects to ${JSON.stringify(target)}, not to https`);
      else if (loc.hostname !== new URL(from).hostname)
        failures.push(`${from} redirects to another host (${loc.hostname})`);
    }
    return row('HTTP redirects to HTTPS', failures, `${from} -> ${r.status} ${target}`);
  }

  async function hstsOutcome(
    c: TlsCheck,
    o: { ca?: string | Buffer | (string | Buffer)[]; signal?: AbortSignal },
  ): Promise<CheckOutcome> {
    const min = c.hstsMinMaxAge as number;
    const r = await probeHttp({
      url: c.url,
      timeoutMs: c.timeoutMs,
      readBody: false,
      expectStatus: [],
      // The certificate is judged above; HSTS is judged even if it is not trusted.
      insecure: true,
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const failures: string[] = [];
    const header = r.headers?.['strict-transport-security'];
    if (r.status === undefined) failures.push(r.error ?? 'no response');
    else if (header === undefined) failures.push('no Strict-Transport-Security header');
    else {
      const age = hstsMaxAge(header);
      if (age === undefined) failures.push(`Strict-Transport-Security has no max-age: ${JSON.stringify(header)}`);
      else if (age < min) failures.push(`max-age=${age} is below ${min}`);
    }
    return row('HSTS', failures, header ?? '');
  }
}
