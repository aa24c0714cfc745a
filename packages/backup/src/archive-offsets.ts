import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';

// pg_dump's custom format keeps, in its table of contents (TOC), where each table's data block
// starts. pg_dump fills those offsets in only when its output is seekable: written to a pipe, as
// the backup streams it, they stay "not set", and every pg_restore --jobs worker then walks the data
// blocks from the start of the file (one seek per row in an uncompressed archive) to find its
// table. DataOffsetIndexer reads the archive as it streams past (header, TOC, then only the block
// framing), and writeDataOffsets() puts the offsets into the restored file exactly where and how
// pg_dump writes them on a seekable file: fixed-width fields, every other byte unchanged.
//
// Layout (src/bin/pg_dump/pg_backup_archiver.c ReadHead/ReadToc, pg_backup_custom.c):
//   header  "PGDMP" vmaj vmin vrev intSize offSize format [compression] created(7 ints) dbname
//           remoteVersion dumpVersion
//   int     sign byte + intSize bytes, little-endian; str: int length (-1 = null) + bytes
//   TOC     count, then per entry: dumpId hadDumper tableoid oid tag desc section defn dropStmt
//           copyStmt namespace tablespace [tableam >= 1.14] [relkind int >= 1.16] owner withOids
//           deps... null, then the custom format's offset: flag byte + offSize bytes
//   data    blocks: type byte (1 data, 3 large objects) + dumpId, then length-prefixed chunks up to a
//           0 length; a large-object block repeats (oid, chunks, 0) until an oid of 0.

const MAGIC = Buffer.from('PGDMP');
const FORMAT_CUSTOM = 1;
const OFFSET_NOT_SET = 1;
const OFFSET_SET = 2;
/** The offset flag of an entry without data (K_OFFSET_NO_DATA). */
export const OFFSET_NO_DATA = 3;
/** Block type of table data (pg_backup_custom.c BLK_DATA). */
export const BLK_DATA = 1;
const BLK_BLOBS = 3;
/** Archive versions whose header and TOC layout this reader knows (PostgreSQL 9.0 to 17+). */
const MIN_VERSION = version(1, 12, 0);
const MAX_VERSION = version(1, 16, 255);
/** A TOC bigger than this is not indexed (the restore still works, just without offsets). */
const MAX_TOC_BYTES = 256 * 1024 * 1024;

function version(major: number, minor: number, rev: number): number {
  return (major * 256 + minor) * 256 + rev;
}

/** pg_dump's teSection (pg_backup.h). */
export const Section = { None: 1, PreData: 2, Data: 3, PostData: 4 } as const;

export interface TocEntry {
  dumpId: number;
  /** e.g. "TABLE", "TABLE DATA", "INDEX", "FK CONSTRAINT" */
  desc: string;
  tag: string;
  namespace: string | undefined;
  section: number;
  /** The SQL, kept only for the entries that set up a restore session (ENCODING, STDSTRINGS, SEARCHPATH). */
  defn: string | undefined;
  /** "COPY ns.t (cols) FROM stdin;" for table data. */
  copyStmt: string | undefined;
  deps: number[];
  /** Absolute position of the entry's offset flag byte. */
  offsetField: number;
  /** OFFSET_NOT_SET, OFFSET_SET or OFFSET_NO_DATA. */
  flag: number;
}

/** The archive's header and table of contents. */
export interface ArchiveToc {
  version: number;
  /** e.g. "1.14" */
  versionText: string;
  intSize: number;
  offSize: number;
  /** Whether pg_dump compressed the data blocks itself (the backup's dumps are --compress=0). */
  compressed: boolean;
  entries: TocEntry[];
  /** Where the first data block starts. */
  end: number;
}

export interface ArchiveIndex {
  /** e.g. "1.14" */
  version: string;
  offSize: number;
  /** TOC entries that have (or could have) a data block. */
  entries: TocEntry[];
  /** dumpId -> absolute position of its block's type byte. */
  blocks: ReadonlyMap<number, number>;
}

/** Entries whose SQL the restore session needs (pg_restore applies them to every connection). */
const SESSION_ENTRIES = new Set(['ENCODING', 'STDSTRINGS', 'SEARCHPATH']);

class NeedMore extends Error {}
class NotIndexable extends Error {}

/** Reads header fields from a buffer that may still be too short (throws NeedMore). */
class Cursor {
  pos = 0;
  intSize = 4;
  constructor(private readonly buf: Buffer) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new NeedMore();
    return this.buf[this.pos++] as number;
  }

  bytes(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new NeedMore();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  int(): number {
    const sign = this.byte();
    let v = 0;
    for (let b = 0, mul = 1; b < this.intSize; b++, mul *= 256) v += this.byte() * mul;
    return sign ? -v : v;
  }

  /** Skips a string; returns false for a null one. */
  str(): boolean {
    const n = this.int();
    if (n < 0) return false;
    this.bytes(n);
    return true;
  }

  text(): string | undefined {
    const n = this.int();
    return n < 0 ? undefined : this.bytes(n).toString('utf8');
  }
}

function parseHeaderAndToc(buf: Buffer): ArchiveToc {
  const c = new Cursor(buf);
  if (!c.bytes(MAGIC.length).equals(MAGIC)) throw new NotIndexable('not a pg_dump custom-format archive');
  const vmaj = c.byte();
  const vmin = c.byte();
  const vrev = c.byte();
  const v = version(vmaj, vmin, vrev);
  if (v < MIN_VERSION || v > MAX_VERSION) throw new NotIndexable(`archive version ${vmaj}.${vmin} is not known`);
  c.intSize = c.byte();
  const offSize = c.byte();
  if (c.intSize < 1 || c.intSize > 8 || offSize < 1 || offSize > 16)
    throw new NotIndexable('implausible integer sizes');
  if (c.byte() !== FORMAT_CUSTOM) throw new NotIndexable('not a custom-format archive');
  // 1.15+: the compression algorithm (0 none); before: the zlib level (0 none)
  const compressed = (v >= version(1, 15, 0) ? c.byte() : c.int()) !== 0;
  for (let i = 0; i < 7; i++) c.int();
  c.str(); // database name
  c.str(); // server version
  c.str(); // pg_dump version
  const count = c.int();
  if (count < 0) throw new NotIndexable('negative TOC entry count');
  const entries: TocEntry[] = [];
  for (let i = 0; i < count; i++) {
    const dumpId = c.int();
    if (dumpId <= 0) throw new NotIndexable(`TOC entry ID ${dumpId} out of range`);
    c.int(); // hadDumper
    c.str(); // tableoid
    c.str(); // oid
    const tag = c.text() ?? '';
    const desc = c.text() ?? '';
    const section = c.int();
    let defn: string | undefined;
    if (SESSION_ENTRIES.has(desc)) defn = c.text();
    else c.str();
    c.str(); // dropStmt
    const copyStmt = c.text();
    const namespace = c.text();
    c.str(); // tablespace
    if (v >= version(1, 14, 0)) c.str(); // tableam
    if (v >= version(1, 16, 0)) c.int(); // relkind
    c.str(); // owner
    c.str(); // withOids
    const deps: number[] = [];
    for (let d = c.text(); d !== undefined; d = c.text()) deps.push(Number(d));
    const offsetField = c.pos;
    const flag = c.byte();
    if (flag !== OFFSET_NOT_SET && flag !== OFFSET_SET && flag !== OFFSET_NO_DATA)
      throw new NotIndexable(`unexpected data offset flag ${flag}`);
    c.bytes(offSize);
    entries.push({ dumpId, desc, tag, namespace, section, defn, copyStmt, deps, offsetField, flag });
  }
  return {
    version: v,
    versionText: `${vmaj}.${vmin}`,
    intSize: c.intSize,
    offSize,
    compressed,
    entries,
    end: c.pos,
  };
}

const enum Expect {
  BlockType,
  BlockId,
  ChunkLength,
  BlobOid,
}

/**
 * Reads a custom-format archive pushed to it in order, chunk by chunk: the header and TOC, then only
 * the block framing, noting where each data block starts. Anything it does not understand stops
 * the scan (`problem` says why) and is never an error of its own: the bytes are someone else's.
 */
export class ArchiveScanner {
  private head: Buffer[] = [];
  private headBytes = 0;
  private parsed: ArchiveToc | undefined;
  private failure: string | undefined;
  private readonly blocks = new Map<number, number>();
  /** Absolute position of the first byte of the next chunk. */
  private pos = 0;
  private expect = Expect.BlockType;
  private inBlobs = false;
  private skip = 0;
  private blockStart = 0;
  /** A partly received int (sign + intSize bytes). */
  private partial: number[] = [];
  private tocSettled!: (toc: ArchiveToc | undefined) => void;
  /** The header and TOC once they have been pushed; undefined when unreadable or ended first. */
  readonly toc: Promise<ArchiveToc | undefined> = new Promise((resolve) => (this.tocSettled = resolve));

  /** `onBlock` hears of each data block as soon as its header has been pushed. */
  constructor(private readonly onBlock?: (dumpId: number, at: number) => void) {}

  /** Where each data block found so far starts. */
  get blockPositions(): ReadonlyMap<number, number> {
    return this.blocks;
  }

  /** Why the archive could not be read, if it could not. */
  get problem(): string | undefined {
    return this.failure;
  }

  push(chunk: Buffer): void {
    if (this.failure !== undefined) return;
    try {
      this.consume(chunk);
    } catch (e: unknown) {
      this.failure = e instanceof Error ? e.message : String(e);
      this.head = [];
      this.tocSettled(undefined);
    }
  }

  /** Everything was pushed (or the stream broke off): the TOC settles either way. */
  end(): void {
    this.tocSettled(this.failure === undefined ? this.parsed : undefined);
  }

  /** The offsets found; undefined when the archive was not readable or ended mid-block. */
  index(): ArchiveIndex | undefined {
    if (this.failure !== undefined || !this.parsed) return undefined;
    if (this.expect !== Expect.BlockType || this.skip > 0 || this.partial.length > 0) {
      this.failure = 'the archive ends inside a data block';
      return undefined;
    }
    return indexOf(this.parsed, this.blocks);
  }

  private consume(chunk: Buffer): void {
    if (!this.parsed) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      const buf = this.head.length === 1 ? chunk : Buffer.concat(this.head, this.headBytes);
      this.head = [buf];
      try {
        this.parsed = parseHeaderAndToc(buf);
      } catch (e: unknown) {
        if (!(e instanceof NeedMore)) throw e;
        if (this.headBytes > MAX_TOC_BYTES) throw new NotIndexable('the table of contents is too large to index');
        return;
      }
      this.head = [];
      this.tocSettled(this.parsed);
      this.pos = this.parsed.end;
      this.scan(buf.subarray(this.parsed.end));
      return;
    }
    this.scan(chunk);
  }

  /** Walks the block framing; data bytes are skipped, never looked at. */
  private scan(buf: Buffer): void {
    const intBytes = (this.parsed as ArchiveToc).intSize + 1;
    const n = buf.length;
    let i = 0;
    while (i < n) {
      if (this.skip > 0) {
        const k = Math.min(this.skip, n - i);
        this.skip -= k;
        i += k;
        continue;
      }
      if (this.expect === Expect.BlockType) {
        const type = buf[i] as number;
        if (type !== BLK_DATA && type !== BLK_BLOBS) throw new NotIndexable(`unknown data block type ${type}`);
        this.blockStart = this.pos + i;
        this.inBlobs = type === BLK_BLOBS;
        this.expect = Expect.BlockId;
        i++;
        continue;
      }
      // Hot path: inside a table's data block, hop from one chunk (one row, uncompressed) to the next.
      if (this.expect === Expect.ChunkLength && !this.inBlobs && this.partial.length === 0) {
        while (i + intBytes <= n) {
          const len = decodeInt(buf, i, intBytes);
          i += intBytes;
          if (len > 0) {
            i += len;
            continue;
          }
          if (len < 0) throw new NotIndexable(`negative chunk length ${len}`);
          this.expect = Expect.BlockType;
          break;
        }
        if (i > n) {
          this.skip = i - n;
          i = n;
        }
        if (this.expect === Expect.ChunkLength && i < n) {
          while (i < n) this.partial.push(buf[i++] as number);
        }
        continue;
      }
      // The other states read one int, possibly split across chunks.
      let value: number;
      if (this.partial.length === 0 && i + intBytes <= n) {
        value = decodeInt(buf, i, intBytes);
        i += intBytes;
      } else {
        while (this.partial.length < intBytes && i < n) this.partial.push(buf[i++] as number);
        if (this.partial.length < intBytes) break;
        value = decodeInt(Buffer.from(this.partial), 0, intBytes);
        this.partial = [];
      }
      this.onInt(value);
    }
    this.pos += n;
  }

  private onInt(value: number): void {
    switch (this.expect) {
      case Expect.BlockId:
        if (this.blocks.has(value)) throw new NotIndexable(`two data blocks for entry ${value}`);
        this.blocks.set(value, this.blockStart);
        this.onBlock?.(value, this.blockStart);
        this.expect = this.inBlobs ? Expect.BlobOid : Expect.ChunkLength;
        return;
      case Expect.BlobOid:
        this.expect = value === 0 ? Expect.BlockType : Expect.ChunkLength;
        return;
      case Expect.ChunkLength:
        if (value < 0) throw new NotIndexable(`negative chunk length ${value}`);
        if (value === 0) this.expect = this.inBlobs ? Expect.BlobOid : Expect.BlockType;
        else this.skip = value;
        return;
      case Expect.BlockType:
        return;
    }
  }
}

/**
 * A pass-through stream that indexes a custom-format archive on the way (see ArchiveScanner) and
 * emits 'block' (dumpId, position) as each data block starts. It never disturbs the bytes.
 */
export class DataOffsetIndexer extends Transform {
  private readonly scanner = new ArchiveScanner((id, at) => this.emit('block', id, at));
  /** The header and TOC once they have streamed past; undefined when unreadable or ended first. */
  readonly toc = this.scanner.toc;

  constructor() {
    super({ highWaterMark: 4 * 1024 * 1024 });
  }

  get blockPositions(): ReadonlyMap<number, number> {
    return this.scanner.blockPositions;
  }

  get problem(): string | undefined {
    return this.scanner.problem;
  }

  index(): ArchiveIndex | undefined {
    return this.scanner.index();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.scanner.push(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.scanner.end();
    cb();
  }

  override _destroy(error: Error | null, cb: (error?: Error | null) => void): void {
    this.scanner.end();
    cb(error);
  }
}

/** The index of an archive whose block positions are known from elsewhere (a backup's manifest). */
export function indexOf(toc: ArchiveToc, blocks: ReadonlyMap<number, number>): ArchiveIndex {
  return {
    version: toc.versionText,
    offSize: toc.offSize,
    entries: toc.entries.filter((e) => e.flag !== OFFSET_NO_DATA),
    blocks,
  };
}

/** The header and TOC at the start of `buf`; throws a plain Error when `buf` does not hold them whole. */
export function readArchiveHead(buf: Buffer): ArchiveToc {
  try {
    return parseHeaderAndToc(buf);
  } catch (e: unknown) {
    if (e instanceof NeedMore) throw new Error('the archive ends inside its table of contents', { cause: e });
    throw e;
  }
}

/** pg_dump's int: a sign byte, then intBytes - 1 bytes little-endian. */
export function decodeInt(buf: Buffer, at: number, intBytes: number): number {
  if (intBytes === 5) return buf[at] ? -buf.readUInt32LE(at + 1) : buf.readUInt32LE(at + 1);
  let v = 0;
  for (let b = 1, mul = 1; b < intBytes; b++, mul *= 256) v += (buf[at + b] as number) * mul;
  return buf[at] ? -v : v;
}

/**
 * Writes the found offsets into the TOC of the archive at `path` (in place, same length). Returns
 * how many entries were set. Entries already set, or whose block was not found, are left alone.
 */
export async function writeDataOffsets(path: string, index: ArchiveIndex): Promise<number> {
  const fh = await open(path, 'r+');
  let set = 0;
  try {
    for (const e of index.entries) {
      const at = index.blocks.get(e.dumpId);
      if (e.flag !== OFFSET_NOT_SET || at === undefined) continue;
      const field = Buffer.alloc(1 + index.offSize);
      field[0] = OFFSET_SET;
      for (let b = 0, rest = at; b < index.offSize && rest > 0; b++, rest = Math.floor(rest / 256))
        field[1 + b] = rest % 256;
      await fh.write(field, 0, field.length, e.offsetField);
      set++;
    }
  } finally {
    await fh.close();
  }
  return set;
}
