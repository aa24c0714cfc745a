import type { Route53Client } from '@aws-sdk/client-route-53';
import { describeRecord, pointsAt, readRecord, upsertRecord, waitInsync, type DnsTarget } from '../route53.js';
import type { FailoverStep, Observation, RunContext } from '../types.js';

export interface RepointDnsOptions {
  route53: Route53Client;
  record: DnsTarget;
  timeoutMs: number;
  pollMs?: number;
  environment: string;
}

/** Step 4: UPSERT the record to the standby and wait until Route53 reports the change INSYNC. */
export function repointDns(o: RepointDnsOptions): FailoverStep {
  const t = o.record;
  const want = t.aliasZoneId ? `${t.type} alias ${t.target}` : `${t.type} ${t.target}`;
  const observe = async (ctx: RunContext): Promise<Observation> => {
    const rr = await readRecord(o.route53, t, ctx.signal);
    return { done: pointsAt(rr, t), state: `${t.name}: ${describeRecord(rr)}` };
  };
  return {
    id: 'repoint-dns',
    title: 'Repoint DNS to the standby',
    plan: `UPSERT ${t.name} in ${t.zoneId} to ${want} and wait for INSYNC`,
    observe,
    async act(ctx) {
      const id = await upsertRecord(o.route53, t, `ralph-deploy failover of ${o.environment}`, ctx.signal);
      const polls = await waitInsync(o.route53, id, o.timeoutMs, o.pollMs ?? 5_000, ctx.signal);
      return { action: `UPSERT ${want} (change ${id.replace(/^\/change\//, '')} INSYNC after ${polls} poll(s))` };
    },
  };
}
