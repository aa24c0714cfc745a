import type { Logger } from '@ralph-deploy/common';

/**
 * How one differing setting can be reconciled:
 * - `update`: changed in place by `apply`;
 * - `replace`: only a new resource would have it (CIDR, encryption at rest, a downgrade): reported,
 *   fails the run unless acknowledged, and is never done by this tool;
 * - `manual`: reported as drift but left alone on purpose (e.g. resizing a cache's replica count).
 */
export type DiffMode = 'update' | 'replace' | 'manual';

export interface FieldDiff {
  field: string;
  desired: unknown;
  actual: unknown;
  mode: DiffMode;
  /** Why, or what to do by hand. */
  note?: string;
}

export type PlanAction = 'create' | 'update' | 'no-change' | 'replace-needed';

/** Resources already read or applied in this run, by key; children find their parents' ids here. */
export class Refs {
  private readonly values = new Map<string, unknown>();
  set(key: string, value: unknown): void {
    this.values.set(key, value);
  }
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  /** The parent's state, or an error naming the missing parent (apply runs in dependency order, so this is a bug). */
  require<T>(key: string): T {
    const v = this.values.get(key);
    if (v === undefined) throw new Error(`${key} must exist first`);
    return v as T;
  }
}

export type Readiness = { state: 'ready' } | { state: 'pending'; detail: string } | { state: 'failed'; detail: string };

export type Change<C> = { action: 'create' } | { action: 'update'; current: C; diffs: FieldDiff[] };

/**
 * One resource kind bound to its desired settings. `read` finds the existing resource (undefined:
 * absent), `diff` compares it with the desired settings, `apply` creates or updates, `readiness`
 * tells the engine when to stop polling after a change.
 */
export interface ResourceModule<D, C> {
  /** e.g. `aws:rds-instance`. */
  kind: string;
  /** The resource's own name (identifier, bucket name, tag Name). */
  name: string;
  desired: D;
  /** Keys (`kind/name`) of resources that must exist before this one. */
  dependsOn: string[];
  read(refs: Refs): Promise<C | undefined>;
  diff(desired: D, current: C): FieldDiff[];
  apply(change: Change<C>, refs: Refs): Promise<void>;
  readiness?(current: C): Readiness;
  /** Action outputs this resource provides (cluster-endpoint, ...). */
  outputs?(current: C): Record<string, string>;
  /** Where the resource is declared, below `infrastructure` (for annotations), e.g. ['aws', 'vpc']. */
  specPath?: (string | number)[];
  /** A short description of the desired settings for the create line of the plan. */
  describe?(desired: D): string;
}

export type AnyResource = ResourceModule<unknown, unknown>;

export function resourceKey(r: { kind: string; name: string }): string {
  return `${r.kind}/${r.name}`;
}

export interface PlanItem {
  key: string;
  kind: string;
  name: string;
  action: PlanAction;
  diffs: FieldDiff[];
  /** Create: the settings it will get. */
  summary?: string;
  /** Where the resource is declared, below `infrastructure`. */
  specPath?: (string | number)[];
  /** Filled by apply. */
  result?: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  /** For replace-needed: acknowledged by `acknowledge-replacement`. */
  acknowledged?: boolean;
  error?: string;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface EngineOptions {
  log: Logger;
  apply: boolean;
  /** Entries: `kind/name`, `name`, either followed by `.field`, or `*`. */
  acknowledgeReplacement: string[];
  /** Upper bound for waiting on readiness, overall (ms). */
  timeoutMs: number;
  pollIntervalMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
}

export interface RunResult {
  plan: PlanItem[];
  changed: boolean;
  outputs: Record<string, string>;
  /** Replacements that were acknowledged: what must be done by hand. */
  manual: string[];
  /** The last state read of each existing resource, by key. */
  states: Refs;
}
