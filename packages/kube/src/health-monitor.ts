import { sleep, type Logger } from '@ralph-deploy/common';
import { probeHttp, type ProbeResult } from '@ralph-deploy/probe';

export interface HealthMonitorOptions {
  url: string;
  log: Logger;
  /** Pause between probes. Default 2 s. */
  intervalMs?: number;
  /** Deadline of one probe. Default 5 s. */
  timeoutMs?: number;
  /** Consecutive failed probes that count as unhealthy. Default 3. */
  failureThreshold?: number;
  /** Injectable for tests. */
  probe?: (url: string, timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>;
  now?: () => number;
}

export interface HealthState {
  probes: number;
  failures: number;
  consecutiveFailures: number;
  /** Epoch ms of the first probe of the current failing streak. */
  streakStartedAt?: number;
  lastError?: string;
  unhealthy: boolean;
}

/**
 * Probes `url` in the background during the rollout and the verification window. Unhealthy after
 * `failureThreshold` consecutive failures; a single blip is not a reason to roll back.
 */
export class HealthMonitor {
  private readonly state: HealthState = { probes: 0, failures: 0, consecutiveFailures: 0, unhealthy: false };
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: HealthMonitorOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  snapshot(): HealthState {
    return { ...this.state };
  }

  /** Forget a failing streak (e.g. when the verification window starts after a completed rollout). */
  resetStreak(): void {
    this.state.consecutiveFailures = 0;
    delete this.state.streakStartedAt;
    this.state.unhealthy = false;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const interval = this.options.intervalMs ?? 2000;
    const timeout = this.options.timeoutMs ?? 5000;
    const threshold = this.options.failureThreshold ?? 3;
    const now = this.options.now ?? Date.now;
    const probe =
      this.options.probe ??
      ((url: string, timeoutMs: number, signal: AbortSignal) => probeHttp({ url, timeoutMs, signal, readBody: false }));
    const signal = this.controller.signal;
    for (let i = 0; i < 1_000_000 && !signal.aborted; i++) {
      const startedAt = now();
      const r = await probe(this.options.url, timeout, signal);
      if (signal.aborted) return;
      this.state.probes++;
      if (r.ok) {
        if (this.state.consecutiveFailures > 0)
          this.options.log.info(`health: ${this.options.url} answered ${r.status} again`);
        this.state.consecutiveFailures = 0;
        delete this.state.streakStartedAt;
      } else {
        this.state.failures++;
        this.state.consecutiveFailures++;
        this.state.streakStartedAt ??= startedAt;
        this.state.lastError = r.error ?? `status ${r.status}`;
        this.options.log.info(
          `health: ${this.options.url} failed (${this.state.consecutiveFailures}/${threshold}): ${this.state.lastError}`,
        );
        if (this.state.consecutiveFailures >= threshold) this.state.unhealthy = true;
      }
      await sleep(interval, signal).catch(() => undefined);
    }
  }
}
