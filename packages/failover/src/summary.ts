import { formatDuration } from '@ralph-deploy/common';
import type { FailoverResult } from './failover.js';

const RESULT_TEXT = {
  skipped: 'already done (skipped)',
  done: 'done',
  planned: 'planned (dry run)',
  failed: 'FAILED',
  'not-run': 'not run',
} as const;

/** Rows of the job summary's timeline table: step, state before, action, result, duration. */
export function timelineRows(r: FailoverResult): string[][] {
  return r.timeline.map((e) => [e.title, e.before, e.action, RESULT_TEXT[e.result], formatDuration(e.durationMs)]);
}

export const TIMELINE_HEADERS = ['Step', 'State before', 'Action', 'Result', 'Duration'];

/** "Recovery time 12m3s, within the RTO of 4h" (or why it is not known yet). */
export function recoveryLine(r: FailoverResult): string {
  const rto = formatDuration(r.rtoSeconds * 1000);
  if (r.recoverySeconds === undefined) return `Recovery time: not measured yet (RTO ${rto})`;
  const verdict = r.recoverySeconds <= r.rtoSeconds ? 'within' : 'OVER';
  return `Recovery time: ${formatDuration(r.recoverySeconds * 1000)}, ${verdict} the RTO of ${rto} (outage confirmed ${r.startedAt ?? '?'}, standby healthy ${r.completedAt ?? '?'})`;
}
