import tls from 'node:tls';
import { probeHttp } from '@ralph-deploy/probe';
import { redactUrl } from '@ralph-deploy/common';
import type { Finding } from '../../types.js';

/** The endpoint answers with an expected status (default any 2xx) within the timeout. */
export async function checkHttp(
  url: string,
  expectStatus: number[] | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  ca?: string,
): Promise<Finding[]> {
  const r = await probeHttp({
    url,
    timeoutMs,
    signal,
    readBody: false,
    ...(expectStatus ? { expectStatus } : {}),
    ...(ca ? { ca: [...tls.rootCertificates, ca].join('\n') } : {}),
  });
  const shown = redactUrl(url);
  if (r.ok) return [{ level: 'pass', message: `${shown} answered ${r.status} in ${Math.round(r.latencyMs)} ms` }];
  if (r.status !== undefined)
    return [
      { level: 'fail', message: `${shown} answered ${r.status}, expected ${expectStatus?.join(' or ') ?? '2xx'}` },
    ];
  return [{ level: 'fail', message: `${shown} did not answer: ${r.error ?? 'unknown error'}` }];
}
