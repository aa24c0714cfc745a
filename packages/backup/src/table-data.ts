import type { FileHandle } from 'node:fs/promises';
import { ActionError } from '@ralph-deploy/common';
import { BLK_DATA, decodeInt } from './archive-offsets.js';

/** How much of the archive one read takes. */
const WINDOW = 1024 * 1024;
/**
 * Read buffers for one table's data, used again once the connection has sent them: fresh memory
 * costs a page fault per 4 KiB on first touch, which on a gigabyte table is seconds of CPU.
 */
export class WindowPool {
  private free: Buffer[] = [];
  private lent: Buffer[] = [];

  /** `sent()` says whether everything handed out so far has left the process. */
  constructor(
    private readonly sent: () => boolean,
    private readonly size = WINDOW,
    private readonly keep = 8,
  ) {}

  take(): Buffer {
    if (this.lent.length > 0 && this.sent()) {
      this.free.push(...this.lent.splice(0, this.keep - this.free.length));
      this.lent = [];
    }
    return this.free.pop() ?? Buffer.allocUnsafe(this.size);
  }

  /** A buffer whose contents were handed to the connection. */
  lend(buf: Buffer): void {
    this.lent.push(buf);
  }

  /** A buffer nobody else saw. */
  giveBack(buf: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buf);
  }
}

/**
 * What the reader needs from the file being written (GrowingFile, FrameFile): resolves with the end
 * of the bytes on file that run on from `from` once that reaches `at`, or once the file is complete.
 */
export interface Followable {
  waitFor(at: number, from?: number): Promise<number>;
}

/**
 * Yields the COPY text of one table from an uncompressed (pg_dump --compress=0) custom-format
 * archive, starting at the block's position and following the file while it is still written.
 * The block is a type byte and the dump ID, then length-prefixed chunks up to a zero length;
 * the chunks' contents, concatenated, are the COPY text pg_restore sends to COPY ... FROM stdin
 * (through PostgreSQL 16 ending with the "\\." end marker pg_dump wrote).
 */
export async function* tableData(
  file: Followable,
  fh: FileHandle,
  at: number,
  dumpId: number,
  intSize: number,
  label: string,
  pool: WindowPool = new WindowPool(() => false),
): AsyncGenerator<Buffer> {
  const intBytes = intSize + 1;
  let pos = at;
  /** The pool buffer behind `win`. */
  let full: Buffer = Buffer.alloc(0);
  /** Reads the next stretch of the archive, at least `min` bytes (waiting for the writer). */
  const read = async (min = 1): Promise<Buffer> => {
    const size = await file.waitFor(pos + min, pos);
    if (size < pos + min) throw new ActionError(`the archive ends inside the data of ${label}`);
    full = pool.take();
    if (full.length < min) full = Buffer.allocUnsafe(min);
    const { bytesRead } = await fh.read(full, 0, Math.min(full.length, size - pos), pos);
    if (bytesRead < min) throw new ActionError(`the archive ends inside the data of ${label}`);
    pos += bytesRead;
    return full.subarray(0, bytesRead);
  };

  // Header: the block type and the entry's dump ID.
  const head = await read(1 + intBytes);
  const type = head[0];
  const id = decodeInt(head, 1, intBytes);
  if (type !== BLK_DATA || id !== dumpId) {
    throw new ActionError(
      `the archive has no data block for ${label} where its index says (found type ${type}, entry ${id})`,
    );
  }

  // Chunks: an int length, then that many bytes of COPY text; a zero length ends the block. Each
  // window is compacted in place (lengths squeezed out, data moved forward) and yielded whole, so
  // a row costs no allocation and no await.
  let win = head;
  let off = 1 + intBytes;
  let need = 0; // data bytes of the current chunk still to come
  const partial = Buffer.alloc(intBytes);
  let partialBytes = 0;
  for (;;) {
    let kept = 0;
    let ended = false;
    const n = win.length;
    while (off < n) {
      if (need > 0) {
        const take = Math.min(need, n - off);
        if (kept !== off) win.copyWithin(kept, off, off + take);
        kept += take;
        off += take;
        need -= take;
        continue;
      }
      let len: number;
      if (partialBytes === 0 && off + intBytes <= n) {
        len = decodeInt(win, off, intBytes);
        off += intBytes;
      } else {
        const take = Math.min(intBytes - partialBytes, n - off);
        win.copy(partial, partialBytes, off, off + take);
        partialBytes += take;
        off += take;
        if (partialBytes < intBytes) break;
        len = decodeInt(partial, 0, intBytes);
        partialBytes = 0;
      }
      if (len === 0) {
        ended = true;
        break;
      }
      if (len < 0) throw new ActionError(`the data of ${label} has a negative chunk length`);
      need = len;
    }
    if (kept > 0) {
      pool.lend(full);
      yield win.subarray(0, kept);
    } else pool.giveBack(full);
    if (ended) return;
    win = await read();
    off = 0;
  }
}
