import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import { OUT_CHUNK, type Compression } from './compression.js';

/** One frame to decode into the scratch file (frames.ts). */
export interface FrameJob {
  i: number;
  /** Where the frame's stored bytes are on the local disk (a file:// store); else the caller sends them. */
  source?: { path: string; start: number; end: number };
  rawOffset: number;
  rawSize: number;
  /** Decode only up to this position in the archive, until `allow` moves it (FrameFile.pace). */
  upTo: number;
}

/** What the stored bytes of a frame were, and what they decompressed to. */
export interface FrameResult {
  sha256: string;
  storedBytes: number;
  rawBytes: number;
}

/** A frame that did not decode: `code` is zlib's (ZSTD_error_..., Z_...); `overflow` when it grew past rawSize. */
export class FrameDecodeError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly overflow = false,
  ) {
    super(message);
  }
}

type FromWorker =
  | { op: 'written'; i: number; bytes: number }
  | { op: 'taken'; i: number }
  | ({ op: 'done'; i: number } & FrameResult)
  | { op: 'failed'; i: number; message: string; code?: string; overflow?: boolean };

interface Pending {
  resolve: (r: FrameResult) => void;
  reject: (e: Error) => void;
  onWritten: (bytes: number) => void;
  /** Callbacks of chunks sent and not yet taken by the worker. */
  taken: Array<() => void>;
}

/**
 * Decompresses frames into the scratch file on a thread of its own: sha256 of the stored bytes,
 * decompression and the writes all happen there, and the thread that feeds the tables' COPYs
 * never waits behind them. Nor behind the garbage collections a gigabyte of fresh decompressor
 * buffers brings: on the main thread each one walks the action's whole heap, on the worker a heap
 * of a few MB.
 */
export class FrameDecoder {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private ended: Error | undefined;

  constructor(compression: Compression, path: string) {
    this.worker = new Worker(`(${decodeFrames.toString()})()`, {
      eval: true,
      workerData: { compression, path, outChunk: OUT_CHUNK },
    });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.end(e));
    this.worker.on('exit', (code) => this.end(new Error(`the decompression thread exited (code ${code})`)));
  }

  /**
   * Decodes frame `job.i` into the file: from `job.source` (read by the worker) or from `body`.
   * `onWritten` hears of each write as it lands.
   */
  async decode(job: FrameJob, onWritten: (bytes: number) => void, body?: Readable, signal?: AbortSignal) {
    if (this.ended) throw this.ended;
    signal?.throwIfAborted();
    const done = new Promise<FrameResult>((resolve, reject) =>
      this.pending.set(job.i, { resolve, reject, onWritten, taken: [] }),
    );
    this.worker.postMessage({ op: 'frame', job: { ...job, fed: !job.source } });
    // (a frame held back by its allowance would otherwise wait for ever)
    const onAbort = () => this.settle(job.i, signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const settled = () => signal?.removeEventListener('abort', onAbort);
    done.then(settled, settled);
    if (body) {
      // A failed feed fails the frame (and a failed frame stops the feed: the worker takes no more).
      const fed = pipeline(body, this.feeder(job.i), signal ? { signal } : {});
      fed.catch((e: unknown) => this.settle(job.i, e instanceof Error ? e : new Error(String(e))));
      done.catch(() => body.destroy());
    }
    return done;
  }

  /** Frame `i` may now be decoded up to `upTo`. */
  allow(i: number, upTo: number): void {
    if (this.pending.has(i)) this.worker.postMessage({ op: 'allow', i, upTo });
  }

  /** Stops the worker; frames still decoding fail. */
  async close(): Promise<void> {
    this.end(new Error('the decompression thread was stopped'));
    await this.worker.terminate();
  }

  private feeder(i: number): Writable {
    return new Writable({
      highWaterMark: 4 * 1024 * 1024,
      write: (chunk: Buffer, _e, cb) => {
        const p = this.pending.get(i);
        if (!p) return cb(new Error('the frame was abandoned'));
        p.taken.push(() => cb());
        // a copy the worker owns: the chunk may share its memory with others
        const copy = new Uint8Array(chunk).buffer;
        this.worker.postMessage({ op: 'data', i, buf: copy }, [copy]);
      },
      final: (cb) => {
        this.worker.postMessage({ op: 'end', i });
        cb();
      },
    });
  }

  private onMessage(m: FromWorker): void {
    const p = this.pending.get(m.i);
    if (!p) return;
    if (m.op === 'written') {
      try {
        p.onWritten(m.bytes);
      } catch (e: unknown) {
        this.settle(m.i, e instanceof Error ? e : new Error(String(e)));
      }
    } else if (m.op === 'taken') p.taken.shift()?.();
    else if (m.op === 'done') {
      this.pending.delete(m.i);
      p.resolve({ sha256: m.sha256, storedBytes: m.storedBytes, rawBytes: m.rawBytes });
    } else this.settle(m.i, new FrameDecodeError(m.message, m.code, m.overflow === true));
  }

  private settle(i: number, e: Error): void {
    const p = this.pending.get(i);
    if (!p) return;
    this.pending.delete(i);
    this.worker.postMessage({ op: 'drop', i });
    p.reject(e);
  }

  private end(e: Error): void {
    this.ended ??= e;
    for (const i of [...this.pending.keys()]) this.settle(i, e);
  }
}

/**
 * The worker thread's code, sent as source text: it must stand alone (no imports, nothing from
 * around it). Each frame: stored bytes -> sha256 -> decompression -> positional writes.
 */
function decodeFrames(): void {
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  const fs = process.getBuiltinModule('node:fs');
  const zlib = process.getBuiltinModule('node:zlib');
  const crypto = process.getBuiltinModule('node:crypto');
  const { PassThrough, Transform, Writable, pipeline } = process.getBuiltinModule('node:stream');
  const { compression, path, outChunk } = workerData as { compression: string; path: string; outChunk: number };
  const port = parentPort as NonNullable<typeof parentPort>;
  const fd = fs.openSync(path, 'r+');
  const fed = new Map<number, InstanceType<typeof Transform>>();
  const stops = new Map<number, () => void>();

  interface Job {
    i: number;
    source?: { path: string; start: number; end: number };
    rawOffset: number;
    rawSize: number;
    upTo: number;
    fed: boolean;
  }
  /** Per frame: how far it may be decoded, and the write waiting for that to move. */
  const limits = new Map<number, { upTo: number; parked?: () => void }>();

  const start = (job: Job): void => {
    const hash = crypto.createHash('sha256');
    let stored = 0;
    let written = 0;
    const tap = new Transform({
      highWaterMark: 4 * 1024 * 1024,
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        stored += chunk.length;
        cb(null, chunk);
      },
    });
    const decoder =
      compression === 'zstd'
        ? zlib.createZstdDecompress({ chunkSize: outChunk })
        : compression === 'gzip'
          ? zlib.createGunzip({ chunkSize: outChunk })
          : new PassThrough();
    const limit: { upTo: number; parked?: () => void } = { upTo: job.upTo };
    limits.set(job.i, limit);
    const writeChunk = (chunk: Buffer, cb: (err?: Error | null) => void): void => {
      // held here, the pipeline stops reading and decompressing too
      if (job.rawOffset + written >= limit.upTo) {
        limit.parked = () => writeChunk(chunk, cb);
        return;
      }
      if (written + chunk.length > job.rawSize) {
        return cb(Object.assign(new Error(`more than the ${job.rawSize} bytes backed up`), { overflow: true }));
      }
      // a regular file takes it all at once unless the disk is full; keep going until it has
      let off = 0;
      const writeRest = (): void =>
        fs.write(fd, chunk, off, chunk.length - off, job.rawOffset + written + off, (err, n) => {
          if (err) return cb(err);
          if (n === 0) return cb(new Error(`${path}: no space left to write`));
          off += n;
          if (off < chunk.length) return writeRest();
          written += chunk.length;
          port.postMessage({ op: 'written', i: job.i, bytes: chunk.length });
          cb();
        });
      writeRest();
    };
    const sink = new Writable({
      highWaterMark: 4 * 1024 * 1024,
      write: (chunk: Buffer, _e, cb) => writeChunk(chunk, cb),
    });
    const streams = job.source
      ? [
          fs.createReadStream(job.source.path, {
            start: job.source.start,
            end: job.source.end - 1,
            highWaterMark: 1024 * 1024,
          }),
          tap,
        ]
      : [tap];
    if (job.fed) fed.set(job.i, tap);
    stops.set(job.i, () => tap.destroy(new Error('dropped')));
    pipeline([...streams, decoder, sink], (err: (Error & { code?: unknown; overflow?: boolean }) | null) => {
      fed.delete(job.i);
      limits.delete(job.i);
      if (!stops.delete(job.i)) return; // dropped: nobody is waiting
      if (err) {
        port.postMessage({
          op: 'failed',
          i: job.i,
          message: err.message,
          ...(typeof err.code === 'string' ? { code: err.code } : {}),
          ...(err.overflow ? { overflow: true } : {}),
        });
      } else {
        port.postMessage({ op: 'done', i: job.i, sha256: hash.digest('hex'), storedBytes: stored, rawBytes: written });
      }
    });
  };

  port.on('message', (m: { op: string; i: number; job?: Job; buf?: ArrayBuffer; upTo?: number }) => {
    if (m.op === 'frame') start(m.job as Job);
    else if (m.op === 'data') {
      const tap = fed.get(m.i);
      if (!tap) return;
      if (tap.write(Buffer.from(m.buf as ArrayBuffer))) port.postMessage({ op: 'taken', i: m.i });
      else tap.once('drain', () => port.postMessage({ op: 'taken', i: m.i }));
    } else if (m.op === 'end') fed.get(m.i)?.end();
    else if (m.op === 'allow') {
      const limit = limits.get(m.i);
      if (!limit) return;
      limit.upTo = m.upTo as number;
      const parked = limit.parked;
      limit.parked = undefined;
      parked?.();
    } else if (m.op === 'drop') {
      const stop = stops.get(m.i);
      stops.delete(m.i);
      stop?.();
    }
  });
}
