import type { Logger } from '@ralph-deploy/common';

/** What an item's check concluded. `skip`: nothing to check (the target is not configured). */
export type ItemStatus = 'pass' | 'fail' | 'warn' | 'manual' | 'skip';
export type Severity = 'block' | 'warn';

/** One observation of a check, optionally at a place in a file (for annotations). */
export interface Finding {
  /** `fail` becomes the item's severity (block -> fail, warn -> warn); `warn` is always a warning. */
  level: 'pass' | 'fail' | 'warn';
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** A check's result before the item's severity is applied. */
export interface CheckOutcome {
  /** `skip` when the check had nothing to look at; otherwise derived from the findings. */
  skipped?: string;
  findings: Finding[];
}

/** Where the action-wide targets of checks live; every field optional (unset -> the check skips). */
export interface CheckTargets {
  /** Manifest files or directories, relative to `cwd`. */
  manifests?: string[];
  /** Whether `manifests` came from the user (missing -> fail) or from the guide's default (missing -> skip). */
  manifestsExplicit?: boolean;
  envFile?: string;
  envFileExplicit?: boolean;
  prometheusConfig?: string;
  prometheusConfigExplicit?: boolean;
  prometheusRules?: string[];
  prometheusRulesExplicit?: boolean;
  promtool?: { version: string; mirrorUrl: string; sha256?: string };
  databaseUrl?: string;
  redisUrl?: string;
  url?: string;
  aws?: { secrets?: string[]; rdsInstance?: string; replicationGroup?: string; backupBucket?: string };
  github?: GitHubTarget;
  attested?: string[];
  approvalEnvironment?: string;
}

export interface GitHubTarget {
  token?: string;
  apiUrl: string;
  repository?: string;
  sha?: string;
  runId?: string;
}

/** Everything a check needs besides its own parameters. */
export interface CheckContext {
  cwd: string;
  log: Logger;
  signal: AbortSignal;
  targets: CheckTargets;
  now: Date;
  /** Memoises expensive shared work (parsed manifests, an installed promtool) across items. */
  memo<T>(key: string, make: () => Promise<T>): Promise<T>;
}

/** A check kind: validates its parameters once, then runs. */
export interface CheckKind<P> {
  kind: string;
  /** Throws an Error naming the bad parameter. */
  parse(params: Record<string, unknown>): P;
  run(params: P, ctx: CheckContext): Promise<CheckOutcome>;
}
