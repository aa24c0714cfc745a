import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * A file writer that others may read while it is still being written: `waitFor(n)` resolves once
 * the first n bytes are on file (or the file is complete), so a reader can follow the writer.
 */
export class GrowingFile extends Writable {
  private fh: FileHandle | undefined;
  private size = 0;
  private complete = false;
  private failure: Error | undefined;
  private waiters: Array<{ at: number; resolve: (size: number) => void; reject: (e: Error) => void }> = [];

  constructor(readonly path: string) {
    super({ highWaterMark: 1024 * 1024 });
  }

  /** Bytes on file so far. */
  get written(): number {
    return this.size;
  }

  /**
   * Resolves with the bytes on file once there are at least `at`, or with the final size once the
   * file is complete (possibly fewer). Rejects when writing failed or was abandoned.
   */
  waitFor(at: number): Promise<number> {
    if (this.size >= at || this.complete) return Promise.resolve(this.size);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ at, resolve, reject }));
  }

  override _construct(cb: (e?: Error | null) => void): void {
    open(this.path, 'w').then(
      (fh) => {
        this.fh = fh;
        cb();
      },
      (e: Error) => cb(e),
    );
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (e?: Error | null) => void): void {
    const buf =
      chunks.length === 1 ? (chunks[0] as { chunk: Buffer }).chunk : Buffer.concat(chunks.map((c) => c.chunk));
    this.append(buf).then(
      () => cb(),
      (e: Error) => cb(e),
    );
  }

  private async append(buf: Buffer): Promise<void> {
    // a regular file takes it all at once unless the disk is full; keep going until it has
    for (let done = 0; done < buf.length;) {
      const { bytesWritten } = await (this.fh as FileHandle).write(buf, done, buf.length - done, this.size);
      if (bytesWritten === 0) throw new Error(`${this.path}: no space left to write`);
      done += bytesWritten;
      this.size += bytesWritten;
      this.wake();
    }
  }

  override _final(cb: (e?: Error | null) => void): void {
    (this.fh as FileHandle).close().then(
      () => {
        this.fh = undefined;
        this.complete = true;
        this.wake();
        cb();
      },
      (e: Error) => cb(e),
    );
  }

  override _destroy(error: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.complete) {
      this.failure = error ?? new Error(`${this.path} was abandoned before it was complete`);
      for (const w of this.waiters.splice(0)) w.reject(this.failure);
    }
    const fh = this.fh;
    this.fh = undefined;
    if (!fh) return cb(error);
    fh.close().then(
      () => cb(error),
      () => cb(error),
    );
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.size >= w.at || this.complete) w.resolve(this.size);
      else this.waiters.push(w);
    }
  }
}
