import { EventEmitter } from 'node:events';
import { open } from 'node:fs/promises';
import type { ManifestFrame } from './frames.js';

/** The least an allowance moves by before it is announced (readers ask for 1 MiB at a time). */
const ALLOW_STEP = 4 * 1024 * 1024;

/**
 * The decompressed archive on file while its frames arrive, several at once and in any order: each
 * frame is written front to back at its own place. Readers follow it like a GrowingFile
 * (`waitFor`), and 'block' (dumpId, position) is emitted as the first byte of each data block
 * (positions from the backup's manifest) reaches the file.
 */
export class FrameFile extends EventEmitter {
  private readonly done: number[];
  private readonly blocksOf: Array<Array<[number, number]>>;
  private readonly announced: number[];
  private readonly found = new Map<number, number>();
  private waiters: Array<{ from: number; at: number; resolve: (end: number) => void; reject: (e: Error) => void }> = [];
  private complete = false;
  private failure: Error | undefined;
  /** Bytes decoding may run ahead of the readers in each frame; undefined: no limit (see pace). */
  private lead: number | undefined;
  /** Per frame, the furthest position a reader has asked for, and the limit last announced. */
  private readonly wanted: number[];
  private readonly allowed: number[];

  constructor(
    readonly path: string,
    private readonly frames: readonly ManifestFrame[],
    blocks: ReadonlyArray<readonly [number, number]>,
  ) {
    super();
    this.done = frames.map(() => 0);
    this.announced = frames.map(() => 0);
    this.wanted = frames.map((f) => f.rawOffset);
    this.allowed = frames.map(() => Infinity);
    const sorted = [...blocks].sort((a, b) => a[1] - b[1]);
    this.blocksOf = frames.map((f) =>
      sorted.filter(([, at]) => at >= f.rawOffset && at < f.rawOffset + f.rawSize).map(([id, at]) => [id, at]),
    );
  }

  /** Data blocks whose first byte is on file. */
  get blockPositions(): ReadonlyMap<number, number> {
    return this.found;
  }

  /** Creates the (empty) file the frames are written into. */
  async create(): Promise<void> {
    await (await open(this.path, 'w')).close();
  }

  /** `bytes` more of frame `i` are on file, after those before them (each frame is written front to back). */
  wrote(i: number, bytes: number): void {
    const frame = this.frames[i] as ManifestFrame;
    if ((this.done[i] as number) + bytes > frame.rawSize)
      throw new Error(`frame ${i + 1} decompresses to more than the ${frame.rawSize} bytes backed up`);
    this.done[i] = (this.done[i] as number) + bytes;
    this.announce(i);
    this.wake();
  }

  /** Writing stopped before every frame was on file. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Bytes frame `i` has on file. */
  written(i: number): number {
    return this.done[i] as number;
  }

  /** The end of the bytes on file that run on without a gap from `from`. */
  contiguousFrom(from: number): number {
    let k = this.frames.findIndex((f) => from < f.rawOffset + f.rawSize);
    if (k < 0) return Math.max(from, this.total);
    let end = (this.frames[k] as ManifestFrame).rawOffset + (this.done[k] as number);
    while (this.done[k] === (this.frames[k] as ManifestFrame).rawSize && k + 1 < this.frames.length) {
      k++;
      end = (this.frames[k] as ManifestFrame).rawOffset + (this.done[k] as number);
    }
    return Math.max(from, end);
  }

  /**
   * Resolves with contiguousFrom(from) once that reaches `at`, or once the file is complete.
   * Rejects when writing failed or was abandoned.
   */
  waitFor(at: number, from = 0): Promise<number> {
    if (this.lead !== undefined) this.want(at);
    const end = this.contiguousFrom(from);
    if (end >= at || this.complete) return Promise.resolve(end);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ from, at, resolve, reject }));
  }

  /** Every frame is on file. */
  finish(): void {
    this.complete = true;
    this.wake();
  }

  /**
   * Holds the decoding of each frame to `lead` bytes past the furthest point readers have asked
   * for in it ('allow' (frame, position) says when that moves); undefined lifts the limit. A
   * restore that loads tables as they arrive decodes only what the loads are about to read:
   * decoding further ahead only takes CPU from the database (on a shared machine the scheduler
   * splits it between the two, whatever either needs). The header and TOC frame is never held.
   */
  pace(lead: number | undefined): void {
    this.lead = lead;
    for (let i = 0; i < this.frames.length; i++) this.announceAllowance(i, true);
  }

  /** Where frame `i` may be decoded up to now (a position in the archive). */
  allowance(i: number): number {
    if (this.lead === undefined || i === 0) return Infinity;
    return (this.wanted[i] as number) + this.lead;
  }

  private want(at: number): void {
    // the frame holding byte at - 1: readers move forward through one block, inside one frame
    let k = this.frames.length - 1;
    while (k > 0 && (this.frames[k] as ManifestFrame).rawOffset >= at) k--;
    if (at <= (this.wanted[k] as number)) return;
    this.wanted[k] = at;
    this.announceAllowance(k, false);
  }

  private announceAllowance(i: number, always: boolean): void {
    const a = this.allowance(i);
    if (a === this.allowed[i] || (!always && a < (this.allowed[i] as number) + ALLOW_STEP)) return;
    this.allowed[i] = a;
    this.emit('allow', i, a);
  }

  /** Writing stopped: waiting readers get `e`. */
  fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }

  private get total(): number {
    const last = this.frames.at(-1);
    return last ? last.rawOffset + last.rawSize : 0;
  }

  private announce(i: number): void {
    const blocks = this.blocksOf[i] as Array<[number, number]>;
    const end = (this.frames[i] as ManifestFrame).rawOffset + (this.done[i] as number);
    while ((this.announced[i] as number) < blocks.length) {
      const [id, at] = blocks[this.announced[i] as number] as [number, number];
      if (at >= end) break;
      this.announced[i] = (this.announced[i] as number) + 1;
      this.found.set(id, at);
      this.emit('block', id, at);
    }
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      const end = this.contiguousFrom(w.from);
      if (end >= w.at || this.complete) w.resolve(end);
      else this.waiters.push(w);
    }
  }
}
