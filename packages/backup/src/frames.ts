import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { Transform, type TransformCallback } from 'node:stream';
import { ArchiveScanner } from './archive-offsets.js';
import { compressor, type Compression } from './compression.js';

// A dump is stored as a run of independently compressed frames (zstd frames, gzip members, or
// plain byte ranges), cut where table data blocks start. A restore can then fetch and decompress
// several frames at once and in any order: the biggest table's data first, say, instead of after
// every table that happens to sort before it. Each frame has its own sha256, so a frame read on
// its own (an S3 ranged GET) is checked on its own.

/** One independently decompressible piece of a stored object. */
export interface ManifestFrame {
  /** Where the frame starts in the stored object, and its stored bytes. */
  offset: number;
  size: number;
  /** Where its content starts in the decompressed object, and how many bytes it decompresses to. */
  rawOffset: number;
  rawSize: number;
  sha256: string;
}

/**
 * A new frame starts at a data block once the current one holds this much: small tables share a
 * frame, a big one starts its own. The header and TOC always get a frame of their own.
 */
export const FRAME_BYTES = 64 * 1024 * 1024;
/** Raw bytes per compression job. */
const BATCH = 1024 * 1024;
/** Bytes held back until the scanner has seen past them: a block header is at most 10 bytes. */
const HOLD = 16;

/**
 * Compresses a pg_dump custom-format archive as frames (see above), noting on the way where each
 * data block starts. Anything other than such an archive, or one the scanner cannot read, comes out
 * as one frame with no block positions: still a valid object, just not one to fetch in pieces.
 */
export class FramedCompressor extends Transform {
  readonly frames: ManifestFrame[] = [];
  private readonly scanner = new ArchiveScanner((_id, at) => this.cuts.push(at));
  private readonly cuts: number[] = [];
  private encoder: Transform | undefined;
  private hash: Hash = createHash('sha256');
  private frameStart = { offset: 0, rawOffset: 0 };
  private stored = 0;
  /** Raw bytes handed to encoders so far. */
  private released = 0;
  private held: Buffer = Buffer.alloc(0);
  private batch: Buffer | undefined;
  private batched = 0;
  private readonly spare: Buffer[] = [];

  constructor(
    private readonly compression: Compression,
    private readonly level: number,
    private readonly frameBytes = FRAME_BYTES,
  ) {
    super({ highWaterMark: 4 * 1024 * 1024 });
  }

  /** Raw bytes compressed so far (all of them, once the stream has ended). */
  get rawBytes(): number {
    return this.released;
  }

  /** Where each data block starts (dumpId -> position in the decompressed archive). */
  get blocks(): ReadonlyMap<number, number> {
    return this.scanner.blockPositions;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.scanner.push(chunk);
    // Release all but the last few bytes (copying only those), so a block that starts there is
    // known before its first byte is compressed.
    const held = this.held;
    const keep = this.scanner.problem === undefined ? Math.min(HOLD, held.length + chunk.length) : 0;
    const fromHeld = Math.min(held.length, held.length + chunk.length - keep);
    const fromChunk = held.length + chunk.length - keep - fromHeld;
    this.held = Buffer.concat([held.subarray(fromHeld), chunk.subarray(fromChunk)]);
    this.release(held.subarray(0, fromHeld))
      .then(() => this.release(chunk.subarray(0, fromChunk)))
      .then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    this.scanner.end();
    const last = this.held;
    this.held = Buffer.alloc(0);
    this.release(last)
      .then(() => this.endFrame())
      .then(() => cb(), cb);
  }

  /** Compresses `buf` (the next raw bytes), starting a new frame at every cut inside it. */
  private async release(buf: Buffer): Promise<void> {
    let from = 0;
    while (from < buf.length) {
      const cut = this.nextCut();
      const upTo = cut === undefined ? buf.length : Math.min(buf.length, cut - this.released);
      if (upTo > from) {
        await this.compress(buf.subarray(from, upTo));
        this.released += upTo - from;
        from = upTo;
      }
      if (cut !== undefined && cut === this.released) {
        this.cuts.shift();
        if (this.released > this.frameStart.rawOffset) await this.endFrame();
      }
    }
  }

  /** The next cut at or after what was released: the first block, then blocks past frameBytes. */
  private nextCut(): number | undefined {
    while (this.cuts.length > 0) {
      const at = this.cuts[0] as number;
      const first = this.frames.length === 0;
      if (at >= this.released && (first || at - this.frameStart.rawOffset >= this.frameBytes)) return at;
      this.cuts.shift();
    }
    return undefined;
  }

  /**
   * Gathers `buf` into the batch: the encoder gets 1 MiB at a time (one compression job per MiB
   * rather than per 64 KiB pipe read), in buffers used again once it is done with them (fresh
   * memory costs a page fault per 4 KiB).
   */
  private async compress(buf: Buffer): Promise<void> {
    for (let from = 0; from < buf.length;) {
      this.batch ??= this.spare.pop() ?? Buffer.allocUnsafe(BATCH);
      const n = buf.copy(this.batch, this.batched, from);
      this.batched += n;
      from += n;
      if (this.batched === BATCH) await this.flushBatch();
    }
  }

  /** Hands the batch to the frame's encoder, waiting only when its buffer is full. */
  private async flushBatch(): Promise<void> {
    const batch = this.batch;
    if (!batch || this.batched === 0) return;
    const encoder = (this.encoder ??= this.startEncoder());
    // zlib is done with its input once the write calls back; a PassThrough ('none') hands the
    // very buffer on, so that one is never used again
    const done = this.compression === 'none' ? undefined : () => this.spare.push(batch);
    const full = encoder.write(batch.subarray(0, this.batched), done);
    this.batch = undefined;
    this.batched = 0;
    if (!full) await once(encoder, 'drain');
  }

  private startEncoder(): Transform {
    const encoder = compressor(this.compression, this.level);
    encoder.on('data', (out: Buffer) => {
      this.hash.update(out);
      this.stored += out.length;
      this.push(out);
    });
    encoder.on('error', (e) => this.destroy(e));
    return encoder;
  }

  /** Ends the current frame (an empty archive still gets one, so the object is never empty). */
  private async endFrame(): Promise<void> {
    await this.flushBatch();
    const encoder = (this.encoder ??= this.startEncoder());
    this.encoder = undefined;
    await new Promise<void>((resolve, reject) => {
      encoder.once('error', reject);
      encoder.once('end', resolve);
      encoder.end();
    });
    this.frames.push({
      offset: this.frameStart.offset,
      size: this.stored - this.frameStart.offset,
      rawOffset: this.frameStart.rawOffset,
      rawSize: this.released - this.frameStart.rawOffset,
      sha256: this.hash.digest('hex'),
    });
    this.hash = createHash('sha256');
    this.frameStart = { offset: this.stored, rawOffset: this.released };
  }
}

/** What is wrong with `frames` as the frames of an object of these sizes, or undefined. */
export function framesProblem(frames: unknown, sizeBytes: number, rawBytes: number): string | undefined {
  if (!Array.isArray(frames) || frames.length === 0) return 'frames is not a non-empty list';
  let offset = 0;
  let rawOffset = 0;
  for (const [i, f] of (frames as Partial<ManifestFrame>[]).entries()) {
    if (
      typeof f !== 'object' ||
      f === null ||
      f.offset !== offset ||
      f.rawOffset !== rawOffset ||
      !Number.isSafeInteger(f.size) ||
      !Number.isSafeInteger(f.rawSize) ||
      (f.size as number) <= 0 ||
      (f.rawSize as number) < 0 ||
      typeof f.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(f.sha256)
    ) {
      return `frame ${i} does not follow the one before it`;
    }
    offset += f.size as number;
    rawOffset += f.rawSize as number;
  }
  if (offset !== sizeBytes || rawOffset !== rawBytes)
    return `the frames add up to ${offset} bytes (${rawOffset} decompressed), the object has ${sizeBytes} (${rawBytes})`;
  return undefined;
}
