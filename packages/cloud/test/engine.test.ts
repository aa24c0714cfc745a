import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import * as yaml from 'js-yaml';
import { ActionError, memoryLogger } from '@ralph-deploy/common';
import {
  ApplyFailed,
  customTier,
  dependencyOrder,
  engineVersionDiff,
  isAcknowledged,
  nextMinor,
  reconcile,
  Refs,
  waitReady,
  writeKubeconfig,
  type AnyResource,
  type Clock,
  type FieldDiff,
  type ResourceModule,
} from '../src/index.js';

/** A clock whose sleep advances time instantly; records each sleep. */
function fakeClock(): Clock & { sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

interface Fake {
  size: number;
  status: string;
}

/** An in-memory resource: `store` is "the cloud". */
function fakeResource(
  name: string,
  desired: number,
  store: Map<string, Fake>,
  o: { dependsOn?: string[]; readyAfter?: number; replaceOnShrink?: boolean; failApply?: boolean } = {},
): ResourceModule<number, Fake> & { applied: string[] } {
  const applied: string[] = [];
  let reads = 0;
  return {
    applied,
    kind: 'fake',
    name,
    desired,
    dependsOn: o.dependsOn ?? [],
    async read(refs) {
      for (const d of o.dependsOn ?? []) if (!refs.get(d)) return undefined;
      const v = store.get(name);
      if (v && v.status === 'creating' && ++reads > (o.readyAfter ?? 0)) v.status = 'ready';
      return v ? { ...v } : undefined;
    },
    diff(d, c): FieldDiff[] {
      if (d === c.size) return [];
      return [
        { field: 'size', desired: d, actual: c.size, mode: o.replaceOnShrink && d < c.size ? 'replace' : 'update' },
      ];
    },
    async apply(change) {
      if (o.failApply) throw new ActionError(`cannot apply ${name}`);
      applied.push(change.action);
      store.set(name, { size: desired, status: change.action === 'create' ? 'creating' : 'ready' });
    },
    readiness: (c) => (c.status === 'ready' ? { state: 'ready' } : { state: 'pending', detail: `status ${c.status}` }),
  };
}

const base = { log: memoryLogger(), acknowledgeReplacement: [] as string[], timeoutMs: 60_000, pollIntervalMs: 1000 };

describe('reconcile', () => {
  test('plans without touching anything; applies in dependency order; a second apply is a no-op', async () => {
    const store = new Map<string, Fake>();
    const child = fakeResource('child', 2, store, { dependsOn: ['fake/parent'] });
    const parent = fakeResource('parent', 1, store, { readyAfter: 2 });
    const resources = [child, parent] as unknown as AnyResource[];
    const plan = await reconcile(resources, { ...base, apply: false, clock: fakeClock() });
    expect(plan.plan.map((i) => [i.key, i.action])).toEqual([
      ['fake/parent', 'create'],
      ['fake/child', 'create'],
    ]);
    expect(store.size).toBe(0);

    const clock = fakeClock();
    const applied = await reconcile(resources, { ...base, apply: true, clock });
    expect(applied.changed).toBe(true);
    expect(applied.plan.map((i) => i.result)).toEqual(['created', 'created']);
    expect(clock.sleeps).toEqual([1000, 1000]); // the parent needed two polls to become ready
    const again = await reconcile(resources, { ...base, apply: true, clock: fakeClock() });
    expect(again.changed).toBe(false);
    expect(again.plan.map((i) => i.result)).toEqual(['unchanged', 'unchanged']);
  });

  test('replacement drift blocks the whole apply unless acknowledged; nothing is destroyed', async () => {
    const store = new Map<string, Fake>([
      ['a', { size: 5, status: 'ready' }],
      ['b', { size: 1, status: 'ready' }],
    ]);
    const a = fakeResource('a', 3, store, { replaceOnShrink: true });
    const b = fakeResource('b', 2, store);
    const blocked = await reconcile([a, b] as unknown as AnyResource[], { ...base, apply: true, clock: fakeClock() });
    expect(blocked.blocked.map((i) => i.key)).toEqual(['fake/a']);
    expect(b.applied).toEqual([]);
    const acked = await reconcile([a, b] as unknown as AnyResource[], {
      ...base,
      apply: true,
      acknowledgeReplacement: ['a.size'],
      clock: fakeClock(),
    });
    expect(acked.plan.map((i) => i.result)).toEqual(['skipped', 'updated']);
    expect(acked.manual).toEqual(['fake/a: size is 5, desired 3']);
    expect(store.get('a')?.size).toBe(5);
  });

  test('a failing apply stops there, reports what was done and skips the rest', async () => {
    const store = new Map<string, Fake>();
    const r1 = fakeResource('one', 1, store);
    const r2 = fakeResource('two', 1, store, { failApply: true });
    const r3 = fakeResource('three', 1, store);
    const err = await reconcile([r1, r2, r3] as unknown as AnyResource[], {
      ...base,
      apply: true,
      clock: fakeClock(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyFailed);
    const result = (err as ApplyFailed).result;
    expect(result.plan.map((i) => i.result)).toEqual(['created', 'failed', 'skipped']);
    expect(result.changed).toBe(true);
    expect((err as Error).message).toBe('cannot apply two');
  });

  test('waiting is bounded by the deadline even when the resource never becomes ready', async () => {
    const store = new Map<string, Fake>([['slow', { size: 1, status: 'creating' }]]);
    const slow = fakeResource('slow', 1, store, { readyAfter: Number.MAX_SAFE_INTEGER });
    const clock = fakeClock();
    const err = await waitReady(slow as unknown as AnyResource, new Refs(), {
      clock,
      deadline: 10_000,
      intervalMs: 3000,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/fake\/slow was not ready after 9s \(status creating\)/);
    expect(clock.sleeps).toEqual([3000, 3000, 3000]);
    // A clock that never advances still stops: the poll count is bounded too.
    const frozen: Clock = { now: () => 0, sleep: async () => undefined };
    await expect(
      waitReady(slow as unknown as AnyResource, new Refs(), { clock: frozen, deadline: 10_000, intervalMs: 3000 }),
    ).rejects.toThrow(/was not ready/);
  });

  test('dependency cycles and unknown dependencies are refused', () => {
    const store = new Map<string, Fake>();
    const a = fakeResource('a', 1, store, { dependsOn: ['fake/b'] });
    const b = fakeResource('b', 1, store, { dependsOn: ['fake/a'] });
    expect(() => dependencyOrder([a, b] as unknown as AnyResource[])).toThrow(
      'dependency cycle: fake/a -> fake/b -> fake/a',
    );
    expect(() =>
      dependencyOrder([fakeResource('c', 1, store, { dependsOn: ['fake/x'] })] as unknown as AnyResource[]),
    ).toThrow('unknown resource fake/x');
  });

  test('acknowledge entries: key, name, field-qualified, or *', () => {
    const item = {
      key: 'aws:vpc/main',
      kind: 'aws:vpc',
      name: 'main',
      action: 'replace-needed' as const,
      diffs: [{ field: 'cidr', desired: 'a', actual: 'b', mode: 'replace' as const }],
    };
    expect(isAcknowledged(item, ['main'])).toBe(true);
    expect(isAcknowledged(item, ['aws:vpc/main.cidr'])).toBe(true);
    expect(isAcknowledged(item, ['*'])).toBe(true);
    expect(isAcknowledged(item, ['main.tags'])).toBe(false);
    expect(isAcknowledged(item, [])).toBe(false);
  });
});

describe('version and size rules', () => {
  test('RDS engine versions: minor upgrades fine, newer minors tolerated, major downgrades need replacement', () => {
    expect(engineVersionDiff('15', '15.7')).toBeUndefined();
    expect(engineVersionDiff('15.4', '15.7')).toBeUndefined();
    expect(engineVersionDiff('15.7', '15.4')).toMatchObject({ mode: 'update' });
    expect(engineVersionDiff('16', '15.7')).toMatchObject({ mode: 'update', note: 'major version upgrade' });
    expect(engineVersionDiff('14', '15.7')).toMatchObject({ mode: 'replace' });
  });
  test('EKS upgrades one minor at a time', () => {
    expect(nextMinor('1.28', '1.31')).toBe('1.29');
    expect(nextMinor('1.30', '1.31')).toBe('1.31');
  });
  test('Cloud SQL custom tier from cpu and memory', () => {
    expect(customTier(4, '16GB')).toBe('db-custom-4-16384');
    expect(customTier(2, '7680MB')).toBe('db-custom-2-7680');
  });
});

describe('writeKubeconfig', () => {
  test('merges into an existing file, replacing only its own entries, with exec auth', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
    const path = join(dir, 'config');
    writeFileSync(
      path,
      yaml.dump({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'other', cluster: { server: 'https://other' } }],
        users: [],
        contexts: [],
        preferences: {},
      }),
    );
    const entry = {
      name: 'c1',
      server: 'https://c1',
      certificateAuthorityData: 'Q0E=',
      exec: { command: 'aws', args: ['eks', 'get-token'] },
    };
    writeKubeconfig(path, entry);
    writeKubeconfig(path, { ...entry, server: 'https://c1-new' });
    const doc = yaml.load(readFileSync(path, 'utf8')) as {
      clusters: { name: string; cluster: { server: string } }[];
      users: { user: { exec: unknown } }[];
      'current-context': string;
      preferences: unknown;
    };
    expect(doc.clusters.map((c) => [c.name, c.cluster.server])).toEqual([
      ['other', 'https://other'],
      ['c1', 'https://c1-new'],
    ]);
    expect(doc['current-context']).toBe('c1');
    expect(doc.users[0]?.user.exec).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: ['eks', 'get-token'],
      interactiveMode: 'Never',
    });
    expect(doc.preferences).toEqual({});
  });
});
