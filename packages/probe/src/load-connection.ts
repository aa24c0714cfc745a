import net from 'node:net';
import tls from 'node:tls';
import { HTTPParser } from 'http-parser-js';
import { describeNetworkError } from './http.js';

/** The outcome of one request on a load connection (same shape as ProbeResult, minus the body). */
export interface LoadResult {
  ok: boolean;
  status?: number;
  latencyMs: number;
  error?: string;
  /** Set when the request was never sent because connecting failed (so it has no latency). */
  connectFailed?: boolean;
}

export interface LoadTarget {
  url: URL;
  /** The request as bytes on the wire, built once and reused for every request. */
  wire: Buffer;
  method: string;
}

export interface ConnectionOptions {
  timeoutMs: number;
  expectStatus?: number[];
  ca?: string | Buffer | (string | Buffer)[];
  insecure?: boolean;
}

/** Builds an HTTP/1.1 request once; header names and values with CR or LF are refused (request splitting). */
export function buildTarget(
  rawUrl: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): LoadTarget {
  const url = new URL(rawUrl);
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  const names = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  if (!names.has('user-agent')) lines.push('User-Agent: ralph-deploy-smoke-test');
  if (!names.has('accept')) lines.push('Accept: */*');
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${JSON.stringify(k)} contains a line break`);
    lines.push(`${k}: ${v}`);
  }
  const payload = body === undefined ? undefined : Buffer.from(body);
  if (payload && !names.has('content-length')) lines.push(`Content-Length: ${payload.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return { url, wire: payload ? Buffer.concat([head, payload]) : head, method };
}

/**
 * One keep-alive HTTP/1.1 connection that sends one request at a time, like a load generator's
 * virtual user. It skips Node's http.Agent machinery (per-request objects, header parsing into
 * dictionaries), which on a fast endpoint costs more than the request itself and would make the
 * sampler measure its own overhead. Latency runs from writing the request to the end of the
 * response; connecting is not included (k6's http_req_duration excludes it too).
 */
export class LoadConnection {
  private socket: net.Socket | undefined;
  private connecting: Promise<void> | undefined;
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE);
  private pending:
    { resolve: (r: LoadResult) => void; start: number; status?: number; keepAlive: boolean; head: boolean } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly origin: URL,
    private readonly opts: ConnectionOptions,
  ) {
    this.parser[HTTPParser.kOnHeadersComplete] = (info) => {
      if (this.pending) {
        this.pending.status = info.statusCode;
        this.pending.keepAlive = info.shouldKeepAlive;
      }
      // A HEAD response announces a body it does not send: tell the parser to skip it.
      return this.pending?.head ? 1 : 0;
    };
    this.parser[HTTPParser.kOnBody] = () => undefined;
    this.parser[HTTPParser.kOnMessageComplete] = () => this.complete();
  }

  /** Sends one request and resolves with its outcome; never rejects. */
  async send(target: LoadTarget): Promise<LoadResult> {
    try {
      await this.connect();
    } catch (e: unknown) {
      return { ok: false, latencyMs: 0, error: describeNetworkError(e), connectFailed: true };
    }
    const socket = this.socket;
    if (!socket) return { ok: false, latencyMs: 0, error: 'connection closed', connectFailed: true };
    return new Promise<LoadResult>((resolve) => {
      this.pending = { resolve, start: performance.now(), keepAlive: true, head: target.method === 'HEAD' };
      this.armTimer();
      socket.write(target.wire);
    });
  }

  close(): void {
    this.fail('aborted');
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
    this.socket = undefined;
  }

  private armTimer(): void {
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(() => this.onTimer(), this.opts.timeoutMs);
      this.timer.unref();
    }
  }

  private onTimer(): void {
    const p = this.pending;
    if (!p) return;
    const elapsed = performance.now() - p.start;
    // refresh() re-arms from "now", so a timer armed for an earlier request may fire early: re-check.
    if (elapsed + 1 < this.opts.timeoutMs) {
      this.timer?.refresh();
      return;
    }
    this.fail(`timed out after ${this.opts.timeoutMs} ms`);
    this.drop();
  }

  private connect(): Promise<void> {
    if (this.socket && !this.socket.destroyed) return this.connecting ?? Promise.resolve();
    const host = this.origin.hostname.replace(/^\[|\]$/g, '');
    const secure = this.origin.protocol === 'https:';
    const port = Number(this.origin.port || (secure ? 443 : 80));
    this.parser.reinitialize(HTTPParser.RESPONSE);
    const socket = secure
      ? tls.connect({
          host,
          port,
          ...(net.isIP(host) ? {} : { servername: host }),
          ...(this.opts.ca !== undefined ? { ca: this.opts.ca } : {}),
          rejectUnauthorized: !this.opts.insecure,
        })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      const r = this.parser.execute(chunk);
      if (r instanceof Error) {
        this.fail(`invalid HTTP response: ${r.message}`);
        this.drop();
      }
    });
    socket.on('error', (e) => {
      this.fail(describeNetworkError(e));
      this.drop();
    });
    socket.on('close', () => {
      // A response delimited by the end of the connection completes here.
      if (this.socket === socket && this.pending) this.parser.finish();
      if (this.socket === socket) {
        this.fail('connection closed by the server');
        this.socket = undefined;
      }
    });
    this.connecting = new Promise<void>((resolve, reject) => {
      const ready = secure ? 'secureConnect' : 'connect';
      const onError = (e: Error) => reject(e);
      socket.once('error', onError);
      socket.once(ready, () => {
        socket.off('error', onError);
        this.connecting = undefined;
        resolve();
      });
      // Bound the connect by the request timeout.
      const t = setTimeout(() => {
        const e = new Error(`timed out after ${this.opts.timeoutMs} ms (connecting)`);
        socket.destroy();
        reject(e);
      }, this.opts.timeoutMs);
      t.unref();
      socket.once('close', () => clearTimeout(t));
      socket.once(ready, () => clearTimeout(t));
    });
    return this.connecting;
  }

  private complete(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const status = p.status ?? 0;
    const expect = this.opts.expectStatus;
    const ok = expect && expect.length > 0 ? expect.includes(status) : status >= 200 && status < 300;
    const result: LoadResult = { ok, status, latencyMs: performance.now() - p.start };
    if (!ok) result.error = `unexpected status ${status}`;
    if (!p.keepAlive) this.drop();
    p.resolve(result);
  }

  private fail(error: string): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    p.resolve({ ok: false, latencyMs: performance.now() - p.start, error });
  }

  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    this.connecting = undefined;
    s?.destroy();
  }
}
