import { describe, expect, it } from '@jest/globals';
import type { RDSClient } from '@aws-sdk/client-rds';
import { memoryLogger } from '@ralph-deploy/common';
import {
  memoryRecord,
  normalizeDnsName,
  pointsAt,
  recoveryLine,
  standbyReady,
  type DnsTarget,
  type RunContext,
} from '../src/index.js';
import { isStandalone, promoteReplica } from '../src/steps/promote-replica.js';
import { notificationText } from '../src/steps/notify.js';
import { answersHealthy, confirmPrimaryDown } from '../src/steps/confirm-primary-down.js';

const cname: DnsTarget = {
  zoneId: 'Z1',
  name: 'ralph.example.com',
  type: 'CNAME',
  target: 'standby.example.net',
  ttl: 60,
};

describe('DNS comparison', () => {
  it('normalizes names the way Route53 stores them', () => {
    expect(normalizeDnsName('Ralph.Example.com')).toBe('ralph.example.com.');
    expect(normalizeDnsName('\\052.example.com.')).toBe('*.example.com.');
  });
  it('matches a CNAME only when its single value is the standby', () => {
    expect(
      pointsAt(
        { Name: 'ralph.example.com.', Type: 'CNAME', ResourceRecords: [{ Value: 'Standby.example.net.' }] },
        cname,
      ),
    ).toBe(true);
    expect(
      pointsAt(
        { Name: 'ralph.example.com.', Type: 'CNAME', ResourceRecords: [{ Value: 'primary.example.net' }] },
        cname,
      ),
    ).toBe(false);
    expect(pointsAt(undefined, cname)).toBe(false);
  });
  it('matches an alias by target name and zone', () => {
    const alias: DnsTarget = { ...cname, type: 'A', target: 'standby-lb.elb.amazonaws.com', aliasZoneId: 'ZELB' };
    const rr = {
      Name: 'ralph.example.com.',
      Type: 'A' as const,
      AliasTarget: { DNSName: 'standby-lb.elb.amazonaws.com.', HostedZoneId: 'ZELB', EvaluateTargetHealth: false },
    };
    expect(pointsAt(rr, alias)).toBe(true);
    expect(pointsAt({ ...rr, AliasTarget: { ...rr.AliasTarget, HostedZoneId: 'ZOTHER' } }, alias)).toBe(false);
    expect(pointsAt({ Name: 'ralph.example.com.', Type: 'A', ResourceRecords: [{ Value: '10.0.0.1' }] }, alias)).toBe(
      false,
    );
  });
});

describe('primary health', () => {
  it('counts any answer below 400 as up, like curl -f, so a redirect never triggers a failover', () => {
    expect(answersHealthy({ ok: true, status: 200, latencyMs: 1 })).toBe(true);
    expect(answersHealthy({ ok: false, status: 301, latencyMs: 1, error: 'unexpected status 301' })).toBe(true);
    expect(answersHealthy({ ok: false, status: 404, latencyMs: 1 })).toBe(false);
    expect(answersHealthy({ ok: false, status: 503, latencyMs: 1 })).toBe(false);
    expect(answersHealthy({ ok: false, latencyMs: 5000, error: 'timed out after 5000 ms' })).toBe(false);
  });
});

describe('standby readiness', () => {
  const done = { done: true, failed: false, message: 'ok' };
  it('needs at least the target replicas, rolled out and ready', () => {
    expect(standbyReady({ specReplicas: 5, readyReplicas: 5, availableReplicas: 5, rollout: done }, 5)).toBe(true);
    expect(standbyReady({ specReplicas: 8, readyReplicas: 8, availableReplicas: 8, rollout: done }, 5)).toBe(true);
    expect(standbyReady({ specReplicas: 1, readyReplicas: 1, availableReplicas: 1, rollout: done }, 5)).toBe(false);
    expect(
      standbyReady(
        {
          specReplicas: 5,
          readyReplicas: 3,
          availableReplicas: 3,
          rollout: { done: false, failed: false, message: 'waiting' },
        },
        5,
      ),
    ).toBe(false);
  });
});

/**
 * An RDS double with AWS's behaviour: right after the request a describe may still show the old
 * state (eventual consistency), then modifying, then available with the source cleared.
 */
function awsLikeRds() {
  let status = 'available';
  let source: string | undefined = 'ralph-db';
  const afterPromote: [string, string | undefined][] = [
    ['available', 'ralph-db'],
    ['modifying', 'ralph-db'],
    ['available', undefined],
  ];
  let promoted = false;
  const calls: string[] = [];
  const tags: Record<string, string> = {};
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      const name = command.constructor.name;
      calls.push(name);
      if (name === 'DescribeDBInstancesCommand') {
        if (promoted && afterPromote.length > 0)
          [status, source] = afterPromote.shift() as [string, string | undefined];
        return {
          DBInstances: [
            {
              DBInstanceArn: 'arn:aws:rds:us-west-2:1:db:standby',
              DBInstanceStatus: status,
              ...(source ? { ReadReplicaSourceDBInstanceIdentifier: source } : {}),
              TagList: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        };
      }
      if (name === 'PromoteReadReplicaCommand') {
        promoted = true;
        return { DBInstance: { DBInstanceStatus: 'modifying', ReadReplicaSourceDBInstanceIdentifier: source } };
      }
      if (name === 'AddTagsToResourceCommand') return {};
      throw new Error(`unexpected ${name}`);
    },
  };
  return { client: client as unknown as RDSClient, calls };
}

function ctx(record = memoryRecord()): RunContext {
  return {
    log: memoryLogger(),
    signal: new AbortController().signal,
    dryRun: false,
    force: false,
    startedAt: new Date(),
    changed: false,
    record,
    timeline: [],
    now: () => new Date(),
  };
}

describe('promote step', () => {
  it('waits for RDS to clear the source before calling the promotion done', async () => {
    const rds = awsLikeRds();
    const step = promoteReplica({
      rds: rds.client,
      instanceId: 'standby',
      environment: 'production',
      timeoutMs: 5_000,
      pollMs: 1,
    });
    const c = ctx();
    const before = await step.observe(c);
    expect(before).toEqual({ done: false, state: 'standby: read replica of ralph-db (available)' });
    const acted = await step.act(c, before);
    // A describe that still shows "available" with the source right after the request is not success.
    expect(acted.action).toBe('promotion requested (modifying); available after 3 poll(s)');
    expect(await step.observe(c)).toEqual({ done: true, state: 'standby: standalone primary (available)' });
    expect(rds.calls.filter((x) => x === 'PromoteReadReplicaCommand')).toHaveLength(1);
    expect(c.record.get('promotedAt')).toMatch(/^\d{4}-/);
  });

  it('treats a promotion this tool requested as done once the instance is available again', () => {
    const replica = { id: 'standby', arn: 'arn', status: 'available', sourceId: 'ralph-db', tags: {} };
    expect(isStandalone(replica, undefined)).toBe(false);
    expect(isStandalone(replica, '2026-01-01T00:00:00Z')).toBe(true);
    expect(isStandalone({ ...replica, status: 'modifying' }, '2026-01-01T00:00:00Z')).toBe(false);
    expect(isStandalone({ id: 'standby', arn: 'arn', status: 'available', tags: {} }, undefined)).toBe(true);
  });
});

describe('recovery time', () => {
  it('is compared with the RTO in the summary line and the notification', () => {
    const record = memoryRecord({
      startedAt: '2026-01-01T10:00:00.000Z',
      completedAt: '2026-01-01T15:30:00.000Z',
      recoverySeconds: String(5.5 * 3600),
    });
    const c = ctx(record);
    const text = notificationText(
      { sns: {} as never, topicArn: 'arn:aws:sns:us-west-2:1:alerts', environment: 'production', rtoMs: 4 * 3600_000 },
      c,
      [],
    );
    expect(text.subject).toBe('[ralph-deploy] production failed over to standby: recovered in 5h30m (OVER RTO 4h)');
    expect(text.message).toContain('Recovery time:    5h30m (OVER the RTO of 4h)');
    expect(text.subject.length).toBeLessThanOrEqual(100);
    expect(
      recoveryLine({
        failedOver: true,
        recoverySeconds: 600,
        rtoSeconds: 14_400,
        timeline: [],
        skipped: [],
        acted: [],
        startedAt: 'a',
        completedAt: 'b',
      }),
    ).toBe('Recovery time: 10m, within the RTO of 4h (outage confirmed a, standby healthy b)');
    expect(recoveryLine({ failedOver: false, rtoSeconds: 14_400, timeline: [], skipped: [], acted: [] })).toBe(
      'Recovery time: not measured yet (RTO 4h)',
    );
  });
});

describe('confirmation record', () => {
  const step = confirmPrimaryDown({
    healthUrl: 'http://127.0.0.1:9/health',
    environment: 'production',
    staleAfterMs: 3600_000,
    threshold: 3,
    intervalMs: 1,
    probeTimeoutMs: 100,
  });
  const at = (iso: string) => ({ ...ctx(), now: () => new Date(iso) });

  it('trusts an outage confirmed by an earlier run of this failover', async () => {
    const c = { ...at('2026-01-01T10:30:00Z'), record: memoryRecord({ startedAt: '2026-01-01T10:00:00Z' }) };
    expect(await step.observe(c)).toEqual({
      done: true,
      state: 'outage confirmed by an earlier run at 2026-01-01T10:00:00Z',
    });
  });

  it('confirms again when an old confirmation never led to a promotion', async () => {
    const c = { ...at('2026-01-01T12:00:00Z'), record: memoryRecord({ startedAt: '2026-01-01T10:00:00Z' }) };
    const o = await step.observe(c);
    expect(o.done).toBe(false);
    expect(o.state).toMatch(/^primary .*ECONNREFUSED/);
  });

  it('keeps an old confirmation once the replica was promoted', async () => {
    const c = {
      ...at('2026-01-03T12:00:00Z'),
      record: memoryRecord({ startedAt: '2026-01-01T10:00:00Z', promotedAt: '2026-01-01T10:05:00Z' }),
    };
    expect((await step.observe(c)).done).toBe(true);
  });
});
