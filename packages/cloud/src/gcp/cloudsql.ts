import { DiffBuilder } from '../engine/diff.js';
import type { FieldDiff, ResourceModule } from '../engine/types.js';
import type { GcpDatabase } from '../desired.js';
import { labelArg, type Gcloud } from './gcloud.js';

export interface SqlState {
  state: string;
  databaseVersion: string;
  tier: string;
  region: string;
  availabilityType: string;
  backupEnabled: boolean;
  backupStartTime: string | undefined;
  diskSizeGb: number | undefined;
  deletionProtection: boolean;
  labels: Record<string, string>;
  ip: string | undefined;
  connectionName: string | undefined;
}

interface SqlJson {
  state?: string;
  databaseVersion?: string;
  region?: string;
  connectionName?: string;
  ipAddresses?: { ipAddress?: string; type?: string }[];
  settings?: {
    tier?: string;
    availabilityType?: string;
    backupConfiguration?: { enabled?: boolean; startTime?: string };
    dataDiskSizeGb?: string | number;
    deletionProtectionEnabled?: boolean;
    userLabels?: Record<string, string>;
  };
}

/** "16GB", "16GiB", "3840MB", "3840MiB" -> MiB (Cloud SQL counts memory in MiB, 1 GB = 1024 MiB). */
export function memoryMib(memory: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(GB|GiB|MB|MiB)$/i.exec(memory.trim());
  if (!m) throw new Error(`memory "${memory}" is not like 16GB or 3840MB`);
  const n = Number(m[1]);
  return Math.round(/^g/i.test(m[2] ?? '') ? n * 1024 : n);
}

/** The custom machine tier gcloud derives from --cpu and --memory. */
export function customTier(cpu: number, memory: string): string {
  return `db-custom-${cpu}-${memoryMib(memory)}`;
}

function versionParts(v: string): { engine: string; major: number } {
  const m = /^([A-Z]+)_(\d+)/.exec(v);
  return { engine: m?.[1] ?? v, major: m ? Number(m[2]) : NaN };
}

function versionDiff(desired: string, actual: string): FieldDiff | undefined {
  if (desired === actual) return undefined;
  const d = versionParts(desired);
  const a = versionParts(actual);
  if (d.engine !== a.engine || d.major < a.major) {
    return {
      field: 'database-version',
      desired,
      actual,
      mode: 'replace',
      note: 'no in-place downgrade or engine change; export and import into a new instance',
    };
  }
  return { field: 'database-version', desired, actual, mode: 'update', note: 'major version upgrade' };
}

/** Cloud SQL for PostgreSQL (the guide's `gcloud sql instances create`): REGIONAL, daily backups. */
export function cloudSqlResource(
  gcloud: Gcloud,
  desired: GcpDatabase,
  labels: Record<string, string>,
): ResourceModule<GcpDatabase, SqlState> {
  const tier = customTier(desired.cpu, desired.memory);
  return {
    kind: 'gcp:cloud-sql-instance',
    name: desired.name,
    desired,
    dependsOn: [],
    describe: (d) =>
      `${d['database-version']}, ${d.cpu} vCPU / ${d.memory}, ${d.region} ${d['availability-type']}, backups at ${d['backup-start-time']}`,
    async read() {
      const j = (await gcloud.describe(['sql', 'instances', 'describe', desired.name])) as SqlJson | undefined;
      if (!j) return undefined;
      const s = j.settings ?? {};
      return {
        state: j.state ?? 'UNKNOWN',
        databaseVersion: j.databaseVersion ?? '',
        tier: s.tier ?? '',
        region: j.region ?? '',
        availabilityType: s.availabilityType ?? 'ZONAL',
        backupEnabled: s.backupConfiguration?.enabled ?? false,
        backupStartTime: s.backupConfiguration?.startTime,
        diskSizeGb: s.dataDiskSizeGb === undefined ? undefined : Number(s.dataDiskSizeGb),
        deletionProtection: s.deletionProtectionEnabled ?? false,
        labels: s.userLabels ?? {},
        ip: j.ipAddresses?.find((i) => i.type === 'PRIMARY')?.ipAddress ?? j.ipAddresses?.[0]?.ipAddress,
        connectionName: j.connectionName,
      };
    },
    diff(d, c) {
      const b = new DiffBuilder()
        .field('region', d.region, c.region, 'replace', 'an instance cannot move regions')
        .field('tier', tier, c.tier)
        .field('availability-type', d['availability-type'], c.availabilityType)
        .field('backup', true, c.backupEnabled)
        .field('backup-start-time', d['backup-start-time'], c.backupStartTime ?? null)
        .field('deletion-protection', d['deletion-protection'], c.deletionProtection);
      const v = versionDiff(d['database-version'], c.databaseVersion);
      if (v) b.push(v);
      const size = d['storage-size-gb'];
      if (size !== undefined && c.diskSizeGb !== undefined && size !== c.diskSizeGb) {
        b.push({
          field: 'storage-size-gb',
          desired: size,
          actual: c.diskSizeGb,
          mode: size > c.diskSizeGb ? 'update' : 'replace',
          ...(size < c.diskSizeGb ? { note: 'Cloud SQL storage cannot shrink' } : {}),
        });
      }
      return b.tags(labels, c.labels).diffs;
    },
    async apply(change) {
      if (change.action === 'create') {
        await gcloud.run([
          'sql',
          'instances',
          'create',
          desired.name,
          `--database-version=${desired['database-version']}`,
          `--cpu=${desired.cpu}`,
          `--memory=${desired.memory}`,
          `--region=${desired.region}`,
          `--availability-type=${desired['availability-type']}`,
          '--backup',
          `--backup-start-time=${desired['backup-start-time']}`,
          ...(desired['storage-size-gb'] !== undefined ? [`--storage-size=${desired['storage-size-gb']}GB`] : []),
          desired['deletion-protection'] ? '--deletion-protection' : '--no-deletion-protection',
          `--labels=${labelArg(labels)}`,
        ]);
        return;
      }
      // One patch with every in-place change.
      const args: string[] = [];
      for (const d of change.diffs) {
        if (d.field === 'tier') args.push(`--cpu=${desired.cpu}`, `--memory=${desired.memory}`);
        if (d.field === 'availability-type') args.push(`--availability-type=${desired['availability-type']}`);
        if (d.field === 'backup' || d.field === 'backup-start-time') {
          if (!args.some((a) => a.startsWith('--backup-start-time')))
            args.push(`--backup-start-time=${desired['backup-start-time']}`);
        }
        if (d.field === 'deletion-protection')
          args.push(desired['deletion-protection'] ? '--deletion-protection' : '--no-deletion-protection');
        if (d.field === 'storage-size-gb') args.push(`--storage-size=${desired['storage-size-gb']}GB`);
        if (d.field === 'database-version') args.push(`--database-version=${desired['database-version']}`);
        if (d.field === 'tags') args.push(`--update-labels=${labelArg(labels)}`);
      }
      if (args.length > 0) await gcloud.run(['sql', 'instances', 'patch', desired.name, ...args]);
    },
    readiness(c) {
      if (c.state === 'RUNNABLE') return { state: 'ready' };
      if (c.state === 'FAILED' || c.state === 'SUSPENDED')
        return { state: 'failed', detail: `instance state ${c.state}` };
      return { state: 'pending', detail: `state ${c.state}` };
    },
    outputs: (c): Record<string, string> => (c.ip ? { 'database-endpoint': `${c.ip}:5432` } : {}),
  };
}
