import type { Logger } from '@ralph-deploy/common';
import type { CheckContext, CheckTargets } from './types.js';

/** A CheckContext whose memo shares one promise per key (manifests parsed once, promtool installed once). */
export function createCheckContext(o: {
  cwd: string;
  log: Logger;
  signal: AbortSignal;
  targets: CheckTargets;
  now?: Date;
}): CheckContext {
  const memo = new Map<string, Promise<unknown>>();
  return {
    cwd: o.cwd,
    log: o.log,
    signal: o.signal,
    targets: o.targets,
    now: o.now ?? new Date(),
    memo<T>(key: string, make: () => Promise<T>): Promise<T> {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = make();
        memo.set(key, p);
      }
      return p;
    },
  };
}
