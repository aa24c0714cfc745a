import tls from 'node:tls';
import { errorMessage } from '@ralph-deploy/common';
import type { Finding } from '../../types.js';

const DAY_MS = 86_400_000;

export interface PeerCertificate {
  validTo: Date;
  subject: string;
  authorized: boolean;
  authorizationError?: string;
}

/** Opens a TLS connection (SNI = host) and reads the server certificate, verified against the trust store. */
export function fetchCertificate(host: string, port: number, timeoutMs: number, ca?: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    // rejectUnauthorized false: an untrusted certificate is a finding to report, not a socket error.
    const socket = tls.connect({
      host,
      port,
      servername: host,
      rejectUnauthorized: false,
      ...(ca ? { ca: [...tls.rootCertificates, ca] } : {}),
    });
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert || !cert.valid_to) {
        reject(new Error('the server sent no certificate'));
        return;
      }
      resolve({
        validTo: new Date(cert.valid_to),
        subject: String(cert.subject?.CN ?? ''),
        authorized: socket.authorized,
        ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
      });
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The certificate is trusted, matches the host, and stays valid for at least `minDays`. */
export async function checkTlsCertificate(
  host: string,
  port: number,
  minDays: number,
  now: Date,
  timeoutMs = 10_000,
  ca?: string,
): Promise<Finding[]> {
  let cert: PeerCertificate;
  try {
    cert = await fetchCertificate(host, port, timeoutMs, ca);
  } catch (e: unknown) {
    return [{ level: 'fail', message: `TLS to ${host}:${port} failed: ${errorMessage(e)}` }];
  }
  const out: Finding[] = [];
  if (!cert.authorized)
    out.push({
      level: 'fail',
      message: `certificate of ${host}:${port} is not trusted: ${cert.authorizationError ?? 'unknown reason'}`,
    });
  const days = Math.floor((cert.validTo.getTime() - now.getTime()) / DAY_MS);
  if (days < 0)
    out.push({ level: 'fail', message: `certificate of ${host}:${port} expired on ${cert.validTo.toISOString()}` });
  else if (days < minDays)
    out.push({
      level: 'fail',
      message: `certificate of ${host}:${port} expires in ${days} days (${cert.validTo.toISOString()}), less than ${minDays}`,
    });
  if (out.length === 0)
    out.push({
      level: 'pass',
      message: `certificate of ${host}:${port} valid for ${days} more days (until ${cert.validTo.toISOString()})`,
    });
  return out;
}
