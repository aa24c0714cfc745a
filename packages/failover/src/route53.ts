import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import { ActionError, errorMessage, sleep } from '@ralph-deploy/common';

export interface DnsTarget {
  zoneId: string;
  name: string;
  type: 'CNAME' | 'A' | 'AAAA';
  /** CNAME value or alias DNS name. */
  target: string;
  /** Hosted zone of the alias target; when set the record is an alias. */
  aliasZoneId?: string;
  ttl: number;
}

/** Route53 stores names fully qualified, lower case, with `*` and some characters octal-escaped. */
export function normalizeDnsName(name: string): string {
  const n = name.trim().toLowerCase().replace(/\\052/g, '*');
  return n.endsWith('.') ? n : `${n}.`;
}

export async function readRecord(
  r53: Route53Client,
  t: DnsTarget,
  signal?: AbortSignal,
): Promise<ResourceRecordSet | undefined> {
  try {
    const out = await r53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: t.zoneId,
        StartRecordName: t.name,
        StartRecordType: t.type as RRType,
        MaxItems: 1,
      }),
      { abortSignal: signal },
    );
    const rr = out.ResourceRecordSets?.[0];
    if (rr && normalizeDnsName(rr.Name ?? '') === normalizeDnsName(t.name) && rr.Type === t.type) return rr;
    return undefined;
  } catch (e: unknown) {
    throw new ActionError(`cannot read ${t.type} ${t.name} in hosted zone ${t.zoneId}: ${errorMessage(e)}`, {
      cause: e,
    });
  }
}

/** The record's current value in one line, e.g. "CNAME primary.example.net" or "absent". */
export function describeRecord(rr: ResourceRecordSet | undefined): string {
  if (!rr) return 'absent';
  if (rr.AliasTarget) return `${rr.Type} alias ${rr.AliasTarget.DNSName ?? '?'}`;
  return `${rr.Type} ${(rr.ResourceRecords ?? []).map((r) => r.Value).join(', ')}`;
}

export function pointsAt(rr: ResourceRecordSet | undefined, t: DnsTarget): boolean {
  if (!rr) return false;
  if (t.aliasZoneId) {
    return (
      rr.AliasTarget !== undefined &&
      normalizeDnsName(rr.AliasTarget.DNSName ?? '') === normalizeDnsName(t.target) &&
      rr.AliasTarget.HostedZoneId === t.aliasZoneId
    );
  }
  const values = (rr.ResourceRecords ?? []).map((r) => normalizeDnsName(r.Value ?? ''));
  return rr.AliasTarget === undefined && values.length === 1 && values[0] === normalizeDnsName(t.target);
}

/** UPSERTs the record and returns the change id. */
export async function upsertRecord(
  r53: Route53Client,
  t: DnsTarget,
  comment: string,
  signal?: AbortSignal,
): Promise<string> {
  const set: ResourceRecordSet = t.aliasZoneId
    ? {
        Name: t.name,
        Type: t.type as RRType,
        AliasTarget: { DNSName: t.target, HostedZoneId: t.aliasZoneId, EvaluateTargetHealth: false },
      }
    : { Name: t.name, Type: t.type as RRType, TTL: t.ttl, ResourceRecords: [{ Value: t.target }] };
  try {
    const out = await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: t.zoneId,
        ChangeBatch: { Comment: comment, Changes: [{ Action: 'UPSERT', ResourceRecordSet: set }] },
      }),
      { abortSignal: signal },
    );
    const id = out.ChangeInfo?.Id;
    if (!id) throw new Error('Route53 returned no change id');
    return id;
  } catch (e: unknown) {
    throw new ActionError(`cannot UPSERT ${t.type} ${t.name} in hosted zone ${t.zoneId}: ${errorMessage(e)}`, {
      cause: e,
    });
  }
}

/** Polls GetChange until INSYNC (the change reached every Route53 name server) or the deadline. */
export async function waitInsync(
  r53: Route53Client,
  changeId: string,
  timeoutMs: number,
  pollMs: number,
  signal: AbortSignal,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let polls = 1; ; polls++) {
    const out = await r53.send(new GetChangeCommand({ Id: changeId }), { abortSignal: signal });
    if (out.ChangeInfo?.Status === 'INSYNC') return polls;
    if (Date.now() >= deadline)
      throw new ActionError(
        `Route53 change ${changeId} was not INSYNC within 'dns-timeout' (${out.ChangeInfo?.Status ?? 'unknown'})`,
      );
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), signal);
  }
}
