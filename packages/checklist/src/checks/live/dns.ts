import { promises as dns } from 'node:dns';
import { errorMessage } from '@ralph-deploy/common';
import type { Finding } from '../../types.js';

/** Each name resolves to at least one address (through the system resolver, as the application would). */
export async function checkDns(names: string[], timeoutMs = 10_000): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const name of names) {
    try {
      // getaddrinfo cannot be cancelled; stop waiting for it after `timeoutMs`.
      const addrs = await Promise.race([
        dns.lookup(name, { all: true }),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
        ),
      ]);
      if (addrs.length === 0) out.push({ level: 'fail', message: `${name} resolves to no address` });
      else out.push({ level: 'pass', message: `${name} resolves to ${addrs.map((a) => a.address).join(', ')}` });
    } catch (e: unknown) {
      out.push({ level: 'fail', message: `${name} does not resolve: ${errorMessage(e)}` });
    }
  }
  return out;
}
