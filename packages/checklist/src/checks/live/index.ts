import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CheckContext, CheckKind, CheckOutcome } from '../../types.js';
import { checkElastiCache, checkRds, checkS3Bucket, checkSecrets } from './aws.js';
import { checkDns } from './dns.js';
import { checkHttp } from './http.js';
import { checkPostgres } from './postgres.js';
import { checkRedis } from './redis.js';
import { checkTlsCertificate } from './tls.js';

const PROBES = ['postgres', 'redis', 'http', 'tls', 'dns', 'aws-secrets', 'rds', 'elasticache', 's3'] as const;
export type LiveProbe = (typeof PROBES)[number];

export interface LiveParams {
  probe: LiveProbe;
  minVersion?: string;
  /** http: appended to the `url` input (e.g. /health). */
  path?: string;
  url?: string;
  expectStatus?: number[];
  timeoutMs: number;
  host?: string;
  port?: number;
  minDays: number;
  names?: string[];
  secrets?: string[];
  maxAgeDays: number;
  requireRotation: boolean;
  instance?: string;
  replicationGroup?: string;
  bucket?: string;
  /** Extra trusted CA certificate (PEM file, relative to the workspace) for http and tls. */
  caFile?: string;
}

const strings = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);
function num(v: unknown, name: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`'${name}' must be a non-negative number`);
  return n;
}

export function parseLiveParams(p: Record<string, unknown>): LiveParams {
  const probe = String(p.probe ?? '');
  if (!(PROBES as readonly string[]).includes(probe)) throw new Error(`'probe' must be one of ${PROBES.join(', ')}`);
  const o: LiveParams = {
    probe: probe as LiveProbe,
    timeoutMs: num(p['timeout-seconds'], 'timeout-seconds', 10) * 1000,
    minDays: num(p['min-days'], 'min-days', 14),
    maxAgeDays: num(p['max-age-days'], 'max-age-days', 90),
    requireRotation: p['require-rotation'] !== false,
  };
  if (p['min-version'] !== undefined) o.minVersion = String(p['min-version']);
  if (p.path !== undefined) o.path = String(p.path);
  if (p.url !== undefined) o.url = String(p.url);
  if (p['expect-status'] !== undefined) o.expectStatus = (strings(p['expect-status']) ?? []).map(Number);
  if (p.host !== undefined) o.host = String(p.host);
  if (p.port !== undefined) o.port = num(p.port, 'port', 443);
  const names = strings(p.names);
  if (names) o.names = names;
  const secrets = strings(p.secrets);
  if (secrets) o.secrets = secrets;
  if (p.instance !== undefined) o.instance = String(p.instance);
  if (p['replication-group'] !== undefined) o.replicationGroup = String(p['replication-group']);
  if (p.bucket !== undefined) o.bucket = String(p.bucket);
  if (p['ca-file'] !== undefined) o.caFile = String(p['ca-file']);
  return o;
}

function joinUrl(base: string, path: string | undefined): string {
  if (!path) return base;
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return u.toString();
}

export const liveCheck: CheckKind<LiveParams> = {
  kind: 'live',
  parse: parseLiveParams,
  async run(p, ctx: CheckContext): Promise<CheckOutcome> {
    const t = ctx.targets;
    const url = p.url ?? t.url;
    const skip = (what: string) => ({ skipped: `${what} not configured`, findings: [] });
    const ca = p.caFile ? await readFile(resolve(ctx.cwd, p.caFile), 'utf8') : undefined;
    switch (p.probe) {
      case 'postgres':
        return t.databaseUrl
          ? { findings: await checkPostgres(t.databaseUrl, p.minVersion ?? '15', ctx.log) }
          : skip("input 'database-url'");
      case 'redis':
        return t.redisUrl
          ? { findings: await checkRedis(t.redisUrl, p.minVersion, ctx.log, ca) }
          : skip("input 'redis-url'");
      case 'http':
        return url
          ? { findings: await checkHttp(joinUrl(url, p.path), p.expectStatus, p.timeoutMs, ctx.signal, ca) }
          : skip("input 'url'");
      case 'tls': {
        const u = url ? new URL(url) : undefined;
        const host = p.host ?? u?.hostname;
        if (!host) return skip("input 'url'");
        if (u && !p.host && u.protocol !== 'https:')
          return { findings: [{ level: 'fail', message: `${u.origin} is not https: no certificate to check` }] };
        return {
          findings: await checkTlsCertificate(
            host,
            p.port ?? Number(u?.port || 443),
            p.minDays,
            ctx.now,
            p.timeoutMs,
            ca,
          ),
        };
      }
      case 'dns': {
        const names = p.names ?? (url ? [new URL(url).hostname] : []);
        return names.length > 0 ? { findings: await checkDns(names) } : skip("input 'url'");
      }
      case 'aws-secrets': {
        const ids = p.secrets ?? t.aws?.secrets ?? [];
        return ids.length > 0
          ? { findings: await checkSecrets(ids, p.maxAgeDays, p.requireRotation, ctx.now) }
          : skip("input 'aws-secrets'");
      }
      case 'rds': {
        const id = p.instance ?? t.aws?.rdsInstance;
        return id ? { findings: await checkRds(id) } : skip("input 'rds-instance'");
      }
      case 'elasticache': {
        const id = p.replicationGroup ?? t.aws?.replicationGroup;
        return id ? { findings: await checkElastiCache(id) } : skip("input 'elasticache-replication-group'");
      }
      case 's3': {
        const b = p.bucket ?? t.aws?.backupBucket;
        return b ? { findings: await checkS3Bucket(b) } : skip("input 'backup-bucket'");
      }
    }
  },
};
