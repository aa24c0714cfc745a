import type { Logger } from '@ralph-deploy/common';

export interface TimelineEntry {
  /** ISO time. */
  at: string;
  /** Seconds since the timeline started. */
  t: number;
  event: string;
}

/** What happened when, for the job summary and the report; every entry is also logged. */
export class Timeline {
  readonly entries: TimelineEntry[] = [];
  readonly startedAt: number;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  add(event: string, at = this.now()): TimelineEntry {
    const entry = { at: new Date(at).toISOString(), t: Math.round((at - this.startedAt) / 100) / 10, event };
    this.entries.push(entry);
    this.log.info(`[+${entry.t.toFixed(1)}s] ${event}`);
    return entry;
  }
}
