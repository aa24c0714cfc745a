import type { RDSClient } from '@aws-sdk/client-rds';
import { describeDbInstance, tagDbInstance } from './rds.js';

/** Tag keys under which a failover's durable facts live on the replica instance. */
export const RECORD_KEYS = {
  /** When the outage was confirmed (first failed probe of the run that went on to promote). */
  startedAt: 'ralph-deploy:failover-started-at',
  environment: 'ralph-deploy:failover-environment',
  /** When RDS accepted the promotion request. */
  promotedAt: 'ralph-deploy:failover-promoted-at',
  /** When the standby first passed its smoke test after the failover. */
  completedAt: 'ralph-deploy:failover-completed-at',
  recoverySeconds: 'ralph-deploy:failover-recovery-seconds',
  notifiedAt: 'ralph-deploy:failover-notified-at',
} as const;

export type RecordKey = keyof typeof RECORD_KEYS;

/**
 * What earlier runs established about this failover. It survives the runner because it is stored as
 * tags on the replica instance itself (the one resource every run must reach anyway), so a re-run on
 * another machine can resume and report the recovery time from the original start.
 */
export interface FailoverRecord {
  get(key: RecordKey): string | undefined;
  /** Persists the values (never called in a dry run). */
  set(values: Partial<Record<RecordKey, string>>): Promise<void>;
}

export async function loadRdsRecord(rds: RDSClient, instanceId: string, signal?: AbortSignal): Promise<FailoverRecord> {
  const db = await describeDbInstance(rds, instanceId, signal);
  const values = new Map<RecordKey, string>();
  for (const [key, tag] of Object.entries(RECORD_KEYS) as [RecordKey, string][]) {
    const v = db.tags[tag];
    if (v !== undefined && v !== '') values.set(key, v);
  }
  return {
    get: (key) => values.get(key),
    set: async (update) => {
      const tags: Record<string, string> = {};
      for (const [key, v] of Object.entries(update) as [RecordKey, string][]) tags[RECORD_KEYS[key]] = v;
      await tagDbInstance(rds, db.arn, tags, signal);
      for (const [key, v] of Object.entries(update) as [RecordKey, string][]) values.set(key, v);
    },
  };
}

/** An in-memory record, for unit tests and for callers without a replica. */
export function memoryRecord(
  initial: Partial<Record<RecordKey, string>> = {},
): FailoverRecord & { values: Map<RecordKey, string> } {
  const values = new Map<RecordKey, string>(Object.entries(initial) as [RecordKey, string][]);
  return {
    values,
    get: (key) => values.get(key),
    set: async (update) => {
      for (const [key, v] of Object.entries(update) as [RecordKey, string][]) values.set(key, v);
    },
  };
}
