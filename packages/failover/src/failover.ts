import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { ActionError, type Logger } from '@ralph-deploy/common';
import { loadRdsRecord, type FailoverRecord } from './record.js';
import { reconcile } from './reconcile.js';
import { describeDbInstance } from './rds.js';
import type { DnsTarget } from './route53.js';
import type { StandbyCluster } from './standby-cluster.js';
import { confirmPrimaryDown } from './steps/confirm-primary-down.js';
import { fencePrimary } from './steps/fence-primary.js';
import { notify } from './steps/notify.js';
import { isStandalone, promoteReplica } from './steps/promote-replica.js';
import { repointDns } from './steps/repoint-dns.js';
import { scaleStandby } from './steps/scale-standby.js';
import { smokeStandby } from './steps/smoke-standby.js';
import type { FailoverStep, RunContext, TimelineEntry } from './types.js';

export interface FailoverOptions {
  environment: string;
  dryRun: boolean;
  force: boolean;
  primary: {
    healthUrl?: string;
    failureThreshold: number;
    probeIntervalMs: number;
    probeTimeoutMs: number;
    databaseUrl?: string;
  };
  replica: { instanceId: string; region?: string; timeoutMs: number };
  dns: DnsTarget & { timeoutMs: number };
  standby: {
    namespace: string;
    deployment: string;
    replicas: number;
    timeoutMs: number;
    healthUrl: string;
    smokeTimeoutMs: number;
    cluster: StandbyCluster;
  };
  notify: { topicArn: string; rtoMs: number; runUrl?: string };
  log: Logger;
  signal: AbortSignal;
  /** Poll intervals (tests shorten them). */
  pollMs?: { rds?: number; dns?: number };
  /** Injectable clients (tests, custom endpoints); default: SDK v3 with ambient credentials and AWS_ENDPOINT_URL. */
  clients?: { rds?: RDSClient; route53?: Route53Client; sns?: SNSClient };
  now?: () => Date;
}

export interface FailoverResult {
  /** Every step is done (now or earlier): the standby serves the environment. */
  failedOver: boolean;
  recoverySeconds?: number;
  rtoSeconds: number;
  timeline: TimelineEntry[];
  skipped: string[];
  acted: string[];
  startedAt?: string;
  completedAt?: string;
  error?: ActionError;
}

/** The region in an ARN (arn:aws:sns:<region>:...), which is where the topic must be called. */
export function arnRegion(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

const SDK = { maxAttempts: 5 } as const;

export function buildSteps(
  o: FailoverOptions,
  c: { rds: RDSClient; route53: Route53Client; sns: SNSClient },
): FailoverStep[] {
  return [
    confirmPrimaryDown({
      ...(o.primary.healthUrl ? { healthUrl: o.primary.healthUrl } : {}),
      environment: o.environment,
      staleAfterMs: o.notify.rtoMs,
      threshold: o.primary.failureThreshold,
      intervalMs: o.primary.probeIntervalMs,
      probeTimeoutMs: o.primary.probeTimeoutMs,
    }),
    fencePrimary({
      ...(o.primary.healthUrl ? { healthUrl: o.primary.healthUrl } : {}),
      ...(o.primary.databaseUrl ? { databaseUrl: o.primary.databaseUrl } : {}),
      probeTimeoutMs: o.primary.probeTimeoutMs,
      isPromoted: async (ctx: RunContext) =>
        isStandalone(await describeDbInstance(c.rds, o.replica.instanceId, ctx.signal), ctx.record.get('promotedAt')),
    }),
    promoteReplica({
      rds: c.rds,
      instanceId: o.replica.instanceId,
      environment: o.environment,
      timeoutMs: o.replica.timeoutMs,
      ...(o.pollMs?.rds ? { pollMs: o.pollMs.rds } : {}),
    }),
    repointDns({
      route53: c.route53,
      record: o.dns,
      timeoutMs: o.dns.timeoutMs,
      environment: o.environment,
      ...(o.pollMs?.dns ? { pollMs: o.pollMs.dns } : {}),
    }),
    scaleStandby({
      cluster: o.standby.cluster,
      namespace: o.standby.namespace,
      deployment: o.standby.deployment,
      replicas: o.standby.replicas,
      timeoutMs: o.standby.timeoutMs,
    }),
    smokeStandby({
      healthUrl: o.standby.healthUrl,
      timeoutMs: o.standby.smokeTimeoutMs,
      probeTimeoutMs: o.primary.probeTimeoutMs,
    }),
    notify({
      sns: c.sns,
      topicArn: o.notify.topicArn,
      environment: o.environment,
      rtoMs: o.notify.rtoMs,
      ...(o.notify.runUrl ? { runUrl: o.notify.runUrl } : {}),
    }),
  ];
}

/**
 * The guide's disaster-recovery procedure as an ordered list of re-runnable steps: confirm the
 * primary is down, fence it, promote the replica, repoint DNS, scale the standby, smoke-test it,
 * notify. Never throws for an expected failure: the result carries it so outputs can be set first.
 */
export async function runFailover(o: FailoverOptions): Promise<FailoverResult> {
  const rds = o.clients?.rds ?? new RDSClient({ ...SDK, ...(o.replica.region ? { region: o.replica.region } : {}) });
  // Route53 is a global service signed in us-east-1.
  const route53 = o.clients?.route53 ?? new Route53Client({ ...SDK, region: 'us-east-1' });
  const snsRegion = arnRegion(o.notify.topicArn);
  const sns = o.clients?.sns ?? new SNSClient({ ...SDK, ...(snsRegion ? { region: snsRegion } : {}) });
  const now = o.now ?? (() => new Date());

  let record: FailoverRecord;
  const timeline: TimelineEntry[] = [];
  const rtoSeconds = Math.round(o.notify.rtoMs / 1000);
  try {
    record = await loadRdsRecord(rds, o.replica.instanceId, o.signal);
  } catch (e: unknown) {
    const error = e instanceof ActionError ? e : new ActionError(String(e));
    return { failedOver: false, rtoSeconds, timeline, skipped: [], acted: [], error };
  }
  const ctx: RunContext = {
    log: o.log,
    signal: o.signal,
    dryRun: o.dryRun,
    force: o.force,
    startedAt: now(),
    changed: false,
    record: o.dryRun ? readOnly(record) : record,
    timeline,
    now,
  };
  const outcome = await reconcile(buildSteps(o, { rds, route53, sns }), ctx);
  const failedOver = !outcome.error && timeline.every((e) => e.result === 'skipped' || e.result === 'done');
  const seconds = Number(record.get('recoverySeconds') ?? NaN);
  const result: FailoverResult = {
    failedOver,
    rtoSeconds,
    timeline,
    skipped: timeline.filter((e) => e.result === 'skipped').map((e) => e.step),
    acted: timeline.filter((e) => e.result === 'done').map((e) => e.step),
  };
  if (Number.isFinite(seconds)) result.recoverySeconds = seconds;
  const started = record.get('startedAt');
  const completed = record.get('completedAt');
  if (started) result.startedAt = started;
  if (completed) result.completedAt = completed;
  if (outcome.error) result.error = outcome.error;
  return result;
}

/** A dry run must not write the record either; any attempt is a bug, so it fails loudly. */
function readOnly(record: FailoverRecord): FailoverRecord {
  return {
    get: (k) => record.get(k),
    set: async () => {
      throw new ActionError('internal error: a dry run tried to write the failover record');
    },
  };
}
