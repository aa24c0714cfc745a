/**
 * The fake's notion of time. Virtual time runs `timeScale` times faster than the wall clock and can be
 * advanced by hand, so a test can cross a 600 s progress deadline without waiting for it.
 */
export class FakeClock {
  private readonly realStart = Date.now();
  private readonly virtualStart: number;
  private offsetMs = 0;

  constructor(
    readonly timeScale = 1,
    start = Date.now(),
  ) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be > 0, got ${timeScale}`);
    this.virtualStart = start;
  }

  /** Virtual milliseconds since the epoch. */
  now(): number {
    return this.virtualStart + (Date.now() - this.realStart) * this.timeScale + this.offsetMs;
  }

  /** Jump virtual time forward (controllers see it at their next tick). */
  advance(ms: number): void {
    if (ms < 0) throw new Error('time only moves forward');
    this.offsetMs += ms;
  }

  /** Kubernetes timestamps have one-second resolution (RFC 3339, UTC, no fraction). */
  timestamp(ms = this.now()): string {
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }

  /** Real milliseconds that correspond to `virtualMs` of fake time. */
  toRealMs(virtualMs: number): number {
    return virtualMs / this.timeScale;
  }
}

export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
