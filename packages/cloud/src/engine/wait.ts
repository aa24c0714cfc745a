import { ActionError, formatDuration } from '@ralph-deploy/common';
import { resourceKey, type AnyResource, type Clock, type Refs } from './types.js';

export interface WaitOptions {
  clock: Clock;
  /** Absolute time (clock.now()) after which waiting fails. */
  deadline: number;
  intervalMs: number;
  signal?: AbortSignal;
}

/**
 * Polls `read` until the resource reports ready. Bounded twice: by the deadline and by the number of
 * intervals that fit before it, so a clock that does not advance cannot make it spin forever.
 */
export async function waitReady(resource: AnyResource, refs: Refs, o: WaitOptions): Promise<unknown> {
  const key = resourceKey(resource);
  const started = o.clock.now();
  const maxPolls = Math.max(1, Math.ceil(Math.max(0, o.deadline - started) / Math.max(1, o.intervalMs))) + 1;
  let detail = 'not visible yet';
  for (let poll = 1; poll <= maxPolls; poll++) {
    const current = await resource.read(refs);
    if (current !== undefined) {
      const r = resource.readiness ? resource.readiness(current) : { state: 'ready' as const };
      if (r.state === 'ready') return current;
      if (r.state === 'failed') throw new ActionError(`${key} failed to become ready: ${r.detail}`);
      detail = r.detail;
    }
    if (o.clock.now() + o.intervalMs > o.deadline) break;
    await o.clock.sleep(o.intervalMs, o.signal);
  }
  throw new ActionError(
    `${key} was not ready after ${formatDuration(o.clock.now() - started)} (${detail}); raise 'timeout' or re-run: apply resumes where it stopped`,
  );
}
