import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged while counting them and (unless told not to) computing their sha256. */
export class Digest extends Transform {
  private readonly hash: Hash | undefined;
  private hex: string | undefined;
  bytes = 0;

  constructor(options: { hash?: boolean } = {}) {
    super({ highWaterMark: 4 * 1024 * 1024 });
    if (options.hash !== false) this.hash = createHash('sha256');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash?.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  /** The hex digest; only valid once the stream has ended (and only when hashing). */
  sha256(): string {
    if (!this.hash) throw new Error('this Digest only counts bytes');
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}
