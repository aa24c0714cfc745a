import { DiffBuilder } from '../engine/diff.js';
import type { ResourceModule } from '../engine/types.js';
import type { GcpCache } from '../desired.js';
import { labelArg, type Gcloud } from './gcloud.js';

export interface RedisState {
  state: string;
  sizeGb: number;
  redisVersion: string;
  tier: string;
  host: string | undefined;
  port: number | undefined;
  labels: Record<string, string>;
}

interface RedisJson {
  state?: string;
  memorySizeGb?: number;
  redisVersion?: string;
  tier?: string;
  host?: string;
  port?: number;
  labels?: Record<string, string>;
}

/** redis_6_x and REDIS_6_X name the same version (gcloud flag vs API value). */
function sameVersion(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

function versionNumber(v: string): number {
  const m = /(\d+)(?:_(\d+))?/.exec(v);
  return m ? Number(m[1]) * 100 + Number(m[2] ?? 0) : NaN;
}

/** Memorystore for Redis, STANDARD_HA (a replica with automatic failover). */
export function memorystoreResource(
  gcloud: Gcloud,
  desired: GcpCache,
  labels: Record<string, string>,
): ResourceModule<GcpCache, RedisState> {
  const region = `--region=${desired.region}`;
  return {
    kind: 'gcp:memorystore-redis',
    name: desired.name,
    desired,
    dependsOn: [],
    describe: (d) => `${d['size-gb']} GB, ${d['redis-version']}, ${d.tier}, ${d.region}`,
    async read() {
      const j = (await gcloud.describe(['redis', 'instances', 'describe', desired.name, region])) as
        RedisJson | undefined;
      if (!j) return undefined;
      return {
        state: j.state ?? 'UNKNOWN',
        sizeGb: j.memorySizeGb ?? 0,
        redisVersion: j.redisVersion ?? '',
        tier: j.tier ?? '',
        host: j.host,
        port: j.port,
        labels: j.labels ?? {},
      };
    },
    diff(d, c) {
      const b = new DiffBuilder()
        .field('size-gb', d['size-gb'], c.sizeGb)
        .field('tier', d.tier, c.tier, 'replace', 'the service tier is fixed at creation');
      if (!sameVersion(d['redis-version'], c.redisVersion)) {
        const up = versionNumber(d['redis-version']) > versionNumber(c.redisVersion);
        b.push({
          field: 'redis-version',
          desired: d['redis-version'],
          actual: c.redisVersion,
          mode: up ? 'update' : 'replace',
          ...(up ? {} : { note: 'Memorystore cannot downgrade' }),
        });
      }
      return b.tags(labels, c.labels).diffs;
    },
    async apply(change) {
      if (change.action === 'create') {
        await gcloud.run([
          'redis',
          'instances',
          'create',
          desired.name,
          `--size=${desired['size-gb']}`,
          region,
          `--redis-version=${desired['redis-version']}`,
          `--tier=${desired.tier}`,
          `--labels=${labelArg(labels)}`,
        ]);
        return;
      }
      const fields = new Set(change.diffs.map((d) => d.field));
      const update: string[] = [];
      if (fields.has('size-gb')) update.push(`--size=${desired['size-gb']}`);
      if (fields.has('tags')) update.push(`--update-labels=${labelArg(labels)}`);
      if (update.length > 0) await gcloud.run(['redis', 'instances', 'update', desired.name, region, ...update]);
      if (fields.has('redis-version'))
        await gcloud.run([
          'redis',
          'instances',
          'upgrade',
          desired.name,
          region,
          `--redis-version=${desired['redis-version']}`,
        ]);
    },
    readiness(c) {
      if (c.state === 'READY') return { state: 'ready' };
      if (c.state === 'FAILING_OVER' || c.state === 'CREATING' || c.state === 'UPDATING' || c.state === 'MAINTENANCE')
        return { state: 'pending', detail: `state ${c.state}` };
      if (c.state === 'REPAIRING') return { state: 'pending', detail: 'state REPAIRING' };
      return { state: 'failed', detail: `instance state ${c.state}` };
    },
    outputs: (c): Record<string, string> => (c.host ? { 'cache-endpoint': `${c.host}:${c.port ?? 6379}` } : {}),
  };
}
