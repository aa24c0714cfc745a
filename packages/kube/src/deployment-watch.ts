import type { V1Deployment } from '@kubernetes/client-node';
import { errorMessage, sleep, type Logger } from '@ralph-deploy/common';
import type { KubeApi, WatchSession } from './client.js';
import { DeploymentNotFoundError, KubeApiError } from './errors.js';

export interface DeploymentWatcherOptions {
  log: Logger;
  /** Consecutive failed watch connections before falling back to polling. Default 3. */
  maxWatchFailures?: number;
  /** Even while watching, re-read with GET when the cached copy is older than this. Default 15 s. */
  staleAfterMs?: number;
  /** Injectable for tests. */
  now?: () => number;
}

/**
 * Keeps an up-to-date copy of one Deployment: a watch (fieldSelector on its name) that reconnects
 * from the last resourceVersion when the server or client-node's 30 s idle timeout closes it, re-lists
 * on 410 Gone, and falls back to polling with GET when watching keeps failing.
 */
export class DeploymentWatcher {
  private latest: V1Deployment | undefined;
  private latestAt = 0;
  private resourceVersion: string | undefined;
  private session: WatchSession | undefined;
  private connected = false;
  private stopped = false;
  private waiters: (() => void)[] = [];
  private loop: Promise<void> | undefined;
  mode: 'watch' | 'poll' = 'watch';
  /** How many times the watch was (re)opened; shown in the report. */
  connections = 0;

  constructor(
    private readonly api: KubeApi,
    readonly namespace: string,
    readonly name: string,
    private readonly options: DeploymentWatcherOptions,
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Reads the Deployment once and starts watching it. */
  async start(): Promise<V1Deployment> {
    const d = await this.api.readDeployment(this.namespace, this.name);
    this.observe(d);
    this.loop = this.watchLoop();
    return d;
  }

  /** Feeds an object we got otherwise (e.g. a PATCH response), which is newer than what we hold. */
  observe(d: V1Deployment): void {
    this.latest = d;
    this.latestAt = this.now;
    if (d.metadata?.resourceVersion) this.resourceVersion = d.metadata.resourceVersion;
    this.wake();
  }

  /** The freshest copy: the watched one, or a GET when not watching or when the copy is stale. */
  async current(): Promise<V1Deployment> {
    const stale = this.now - this.latestAt > (this.options.staleAfterMs ?? 15_000);
    if (this.latest && this.mode === 'watch' && this.connected && !stale) return this.latest;
    const d = await this.api.readDeployment(this.namespace, this.name);
    this.observe(d);
    return d;
  }

  /** Resolves at the next change seen by the watch, or after `maxMs`, whichever comes first. */
  async changed(maxMs: number, signal?: AbortSignal): Promise<void> {
    let wake: () => void = () => undefined;
    const woke = new Promise<void>((resolve) => (wake = resolve));
    this.waiters.push(wake);
    try {
      await Promise.race([woke, sleep(maxMs, signal)]);
    } finally {
      this.waiters = this.waiters.filter((w) => w !== wake);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.session?.stop();
    this.wake();
    await this.loop;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async watchLoop(): Promise<void> {
    const maxFailures = this.options.maxWatchFailures ?? 3;
    let failures = 0;
    for (let round = 0; !this.stopped && round < 100_000; round++) {
      let gotEvents = false;
      let gone = false;
      let err: unknown;
      try {
        this.session = await this.api.watch(
          `/apis/apps/v1/namespaces/${encodeURIComponent(this.namespace)}/deployments`,
          {
            fieldSelector: `metadata.name=${this.name}`,
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: 300,
          },
          (type, object) => {
            gotEvents = true;
            this.connected = true;
            if (this.handleEvent(type, object)) gone = true;
          },
        );
        this.connections++;
        this.connected = true;
        err = await this.session.done;
      } catch (e: unknown) {
        err = e;
      }
      this.connected = false;
      if (this.stopped) return;
      if (gone || (err instanceof KubeApiError && err.status === 410) || statusCodeOf(err) === 410) {
        // Our resourceVersion is too old to resume from: re-list (GET) and watch from there.
        try {
          this.observe(await this.api.readDeployment(this.namespace, this.name));
        } catch (e: unknown) {
          if (e instanceof DeploymentNotFoundError) return;
          this.options.log.debug(`watch: re-read after 410 failed: ${errorMessage(e)}`);
        }
        continue;
      }
      const idleTimeout = err instanceof Error && err.name === 'TimeoutError';
      if (err === null || idleTimeout || gotEvents) {
        failures = 0; // a normal end (server timeout, idle timeout): resume from the last resourceVersion
        // A server that closes at once without a word must not be hammered.
        if (!gotEvents && !idleTimeout) await sleep(1000).catch(() => undefined);
        continue;
      }
      failures++;
      this.options.log.debug(
        `watch: deployment ${this.namespace}/${this.name} failed (${failures}/${maxFailures}): ${errorMessage(err)}`,
      );
      if (failures >= maxFailures) {
        this.mode = 'poll';
        this.options.log.info(
          `watch of deployment ${this.namespace}/${this.name} keeps failing (${errorMessage(err)}); polling instead`,
        );
        return;
      }
      await sleep(Math.min(4000, 250 * 2 ** failures)).catch(() => undefined);
    }
  }

  /** Applies one watch event; returns true when the server says our resourceVersion is gone. */
  private handleEvent(type: string, object: unknown): boolean {
    const obj = object as V1Deployment & { code?: number };
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        if (obj.metadata?.name === this.name) this.observe(obj);
        return false;
      case 'BOOKMARK':
        if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
        return false;
      case 'DELETED':
        this.latest = undefined;
        this.latestAt = 0;
        this.wake();
        return false;
      case 'ERROR':
        return obj.code === 410;
      default:
        return false;
    }
  }
}

function statusCodeOf(e: unknown): number | undefined {
  const code = e && typeof e === 'object' ? (e as { statusCode?: unknown }).statusCode : undefined;
  return typeof code === 'number' ? code : undefined;
}
