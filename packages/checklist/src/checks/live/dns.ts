import { promises as dns } from 'node:dns';
import { errorMessage } from '@ralph-deploy/common';
import type { Finding } from '../../types.js';

/** Each name resolves to at least one address (through the system resolver, as the application would). */
export async function checkDns(names: string[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const name of names) {
    try {
      const addrs = await dns.lookup(name, { all: true });
      if (addrs.length === 0) out.push({ level: 'fail', message: `${name} resolves to no address` });
      else out.push({ level: 'pass', message: `${name} resolves to ${addrs.map((a) => a.address).join(', ')}` });
    } catch (e: unknown) {
      out.push({ level: 'fail', message: `${name} does not resolve: ${errorMessage(e)}` });
    }
  }
  return out;
}
