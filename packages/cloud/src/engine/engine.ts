import { ActionError, errorMessage, sleep } from '@ralph-deploy/common';
import { dependencyOrder } from './order.js';
import { waitReady } from './wait.js';
import {
  Refs,
  resourceKey,
  type AnyResource,
  type Clock,
  type EngineOptions,
  type FieldDiff,
  type PlanItem,
  type RunResult,
} from './types.js';

const realClock: Clock = { now: () => Date.now(), sleep };

/** Classifies a resource from its current state (undefined: absent). */
export function planItem(resource: AnyResource, current: unknown): PlanItem {
  const base = {
    key: resourceKey(resource),
    kind: resource.kind,
    name: resource.name,
    ...(resource.specPath ? { specPath: resource.specPath } : {}),
  };
  if (current === undefined) {
    return {
      ...base,
      action: 'create',
      diffs: [],
      ...(resource.describe ? { summary: resource.describe(resource.desired) } : {}),
    };
  }
  const diffs = resource.diff(resource.desired, current);
  if (diffs.some((d) => d.mode === 'replace')) return { ...base, action: 'replace-needed', diffs };
  if (diffs.some((d) => d.mode === 'update')) return { ...base, action: 'update', diffs };
  return { ...base, action: 'no-change', diffs };
}

/** Whether every replacement field of `item` is named by an `acknowledge-replacement` entry. */
export function isAcknowledged(item: PlanItem, entries: string[]): boolean {
  const names = new Set(entries.map((e) => e.trim()).filter((e) => e !== ''));
  if (names.has('*')) return true;
  return item.diffs
    .filter((d) => d.mode === 'replace')
    .every((d) => [item.key, item.name, `${item.key}.${d.field}`, `${item.name}.${d.field}`].some((n) => names.has(n)));
}

function manualSteps(item: PlanItem): string[] {
  return item.diffs
    .filter((d) => d.mode === 'replace')
    .map(
      (d) => `${item.key}: ${d.field} is ${show(d.actual)}, desired ${show(d.desired)}${d.note ? ` — ${d.note}` : ''}`,
    );
}

export function show(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/**
 * Reads every resource, plans, and (with `apply`) reconciles in dependency order: create what is
 * absent, update what differs in place, wait until ready. Never deletes. Replacement drift blocks the
 * whole apply (nothing changes) unless acknowledged; acknowledged replacements are left to a human.
 */
export async function reconcile(
  resources: AnyResource[],
  o: EngineOptions,
): Promise<RunResult & { blocked: PlanItem[] }> {
  const clock = o.clock ?? realClock;
  const deadline = clock.now() + o.timeoutMs;
  const ordered = dependencyOrder(resources);
  const outputs: Record<string, string> = {};

  const refs = new Refs();
  const plan: PlanItem[] = [];
  for (const r of ordered) {
    o.signal?.throwIfAborted();
    const current = await readResource(r, refs);
    if (current !== undefined) {
      refs.set(resourceKey(r), current);
      Object.assign(outputs, r.outputs?.(current) ?? {});
    }
    plan.push(planItem(r, current));
  }
  for (const item of plan)
    if (item.action === 'replace-needed') item.acknowledged = isAcknowledged(item, o.acknowledgeReplacement);
  const blocked = plan.filter((i) => i.action === 'replace-needed' && !i.acknowledged);
  const manual = plan.filter((i) => i.action === 'replace-needed' && i.acknowledged).flatMap(manualSteps);
  if (!o.apply || blocked.length > 0) return { plan, changed: false, outputs, manual, blocked, states: refs };

  // Apply pass: re-read each resource now that its parents exist, so ids and diffs are current.
  const live = new Refs();
  let changed = false;
  for (const [i, r] of ordered.entries()) {
    o.signal?.throwIfAborted();
    const key = resourceKey(r);
    let item = plan[i] as PlanItem;
    try {
      const current = await readResource(r, live);
      const fresh = planItem(r, current);
      fresh.acknowledged =
        fresh.action === 'replace-needed' ? isAcknowledged(fresh, o.acknowledgeReplacement) : undefined;
      if (fresh.action === 'replace-needed' && !fresh.acknowledged) {
        // Drift appeared between planning and applying (out-of-band change): stop before touching it.
        plan[i] = { ...fresh, result: 'failed', error: 'replacement drift appeared during apply' };
        markSkipped(plan, i + 1);
        throw new ActionError(
          `${key}: ${manualSteps(fresh).join('; ')}; acknowledge it with 'acknowledge-replacement' (nothing is destroyed)`,
        );
      }
      plan[i] = item = fresh;
      const updates = fresh.diffs.filter((d) => d.mode === 'update');
      let final = current;
      if (current === undefined) {
        o.log.info(`creating ${key}`);
        await r.apply({ action: 'create' }, live);
        changed = true;
        final = await waitReady(r, live, {
          clock,
          deadline,
          intervalMs: o.pollIntervalMs ?? 15_000,
          ...(o.signal ? { signal: o.signal } : {}),
        });
        item.result = 'created';
      } else if (updates.length > 0) {
        o.log.info(`updating ${key}: ${updates.map((d) => d.field).join(', ')}`);
        await r.apply({ action: 'update', current, diffs: updates }, live);
        changed = true;
        final = await waitReady(r, live, {
          clock,
          deadline,
          intervalMs: o.pollIntervalMs ?? 15_000,
          ...(o.signal ? { signal: o.signal } : {}),
        });
        item.result = 'updated';
      } else {
        item.result = fresh.action === 'replace-needed' ? 'skipped' : 'unchanged';
      }
      live.set(key, final);
      Object.assign(outputs, r.outputs?.(final) ?? {});
    } catch (e: unknown) {
      if (item.result === undefined) item.result = 'failed';
      item.error ??= errorMessage(e);
      markSkipped(plan, i + 1);
      throw new ApplyFailed({ plan, changed, outputs, manual, blocked, states: live }, e);
    }
  }
  return { plan, changed, outputs, manual, blocked, states: live };
}

function markSkipped(plan: PlanItem[], from: number): void {
  for (const item of plan.slice(from)) item.result ??= 'skipped';
}

async function readResource(r: AnyResource, refs: Refs): Promise<unknown> {
  try {
    return await r.read(refs);
  } catch (e: unknown) {
    throw new ActionError(`reading ${resourceKey(r)} failed: ${errorMessage(e)}`, { cause: e });
  }
}

/** An apply that stopped part way: carries what was done so the caller can still report it. */
export class ApplyFailed extends ActionError {
  readonly result: RunResult & { blocked: PlanItem[] };
  constructor(result: RunResult & { blocked: PlanItem[] }, cause: unknown) {
    super(errorMessage(cause), { cause, annotations: cause instanceof ActionError ? cause.annotations : [] });
    this.name = 'ApplyFailed';
    this.result = result;
  }
}

export type { FieldDiff };
