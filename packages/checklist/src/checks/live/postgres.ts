import { connect, serverVersionNum } from '@ralph-deploy/postgres';
import { errorMessage, redactUrl, type Logger } from '@ralph-deploy/common';
import type { Finding } from '../../types.js';

/** "15" -> 150000, "14.2" -> 140002 (server_version_num's encoding since PostgreSQL 10). */
export function versionNum(v: string): number {
  const [major = 0, minor = 0] = v.split('.').map(Number);
  return major * 10_000 + minor;
}

function showVersion(num: number): string {
  return `${Math.floor(num / 10_000)}.${num % 10_000}`;
}

/** PostgreSQL answers a query over `url` and runs at least `minVersion`. */
export async function checkPostgres(url: string, minVersion: string, log: Logger): Promise<Finding[]> {
  log.mask(url);
  let client;
  try {
    client = await connect(url, { applicationName: 'ralph-deploy preflight-check', connectTimeoutMs: 10_000, log });
  } catch (e: unknown) {
    return [{ level: 'fail', message: errorMessage(e) }];
  }
  try {
    const num = await serverVersionNum(client);
    const min = versionNum(minVersion);
    if (num < min)
      return [
        {
          level: 'fail',
          message: `PostgreSQL at ${redactUrl(url)} is ${showVersion(num)}, below the required ${minVersion}`,
        },
      ];
    return [
      { level: 'pass', message: `PostgreSQL ${showVersion(num)} reachable at ${redactUrl(url)} (>= ${minVersion})` },
    ];
  } catch (e: unknown) {
    return [{ level: 'fail', message: `PostgreSQL at ${redactUrl(url)}: ${errorMessage(e)}` }];
  } finally {
    await client.end().catch(() => undefined);
  }
}
