import { PassThrough, type Transform } from 'node:stream';
import zlib from 'node:zlib';

export type Compression = 'zstd' | 'gzip' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['zstd', 'gzip', 'none'];

const LEVELS: Record<Compression, { min: number; max: number; default: number }> = {
  zstd: { min: 1, max: 19, default: 1 },
  gzip: { min: 1, max: 9, default: 6 },
  none: { min: 0, max: 0, default: 0 },
};

/** Bigger buffers than zlib's 16 KiB default: fewer chunks through the JS hash and storage streams. */
const CHUNK = 256 * 1024;
/** Decompression output is ~4x the input: bigger chunks again (measured: a third faster than 256 KiB). */
export const OUT_CHUNK = 1024 * 1024;
/** Buffered bytes per side: lets reading, compressing and writing overlap instead of taking turns. */
const BUFFER = 4 * 1024 * 1024;
/** zlib streams take stream options too, though @types/node does not say so. */
const STREAM: object = { highWaterMark: BUFFER };

export function fileSuffix(c: Compression): string {
  return c === 'zstd' ? '.zst' : c === 'gzip' ? '.gz' : '';
}

export function defaultLevel(c: Compression): number {
  return LEVELS[c].default;
}

/** The problem with `level` for `c`, or undefined when it is fine. */
export function levelProblem(c: Compression, level: number): string | undefined {
  const r = LEVELS[c];
  if (c === 'none') return undefined;
  if (!Number.isInteger(level) || level < r.min || level > r.max)
    return `${level} is outside ${c}'s range ${r.min}-${r.max}`;
  return undefined;
}

/** Compression runs on libuv's thread pool, off the event loop that moves the bytes. */
export function compressor(c: Compression, level: number): Transform {
  switch (c) {
    case 'zstd':
      return zlib.createZstdCompress({
        chunkSize: CHUNK,
        ...STREAM,
        // The frame checksum (XXH64 of the content) is what proves a decompression right.
        params: { [zlib.constants.ZSTD_c_compressionLevel]: level, [zlib.constants.ZSTD_c_checksumFlag]: 1 },
      });
    case 'gzip':
      return zlib.createGzip({ chunkSize: CHUNK, ...STREAM, level });
    case 'none':
      return new PassThrough({ highWaterMark: BUFFER });
  }
}

export function decompressor(c: Compression): Transform {
  switch (c) {
    case 'zstd':
      return zlib.createZstdDecompress({ chunkSize: OUT_CHUNK, ...STREAM });
    case 'gzip':
      return zlib.createGunzip({ chunkSize: OUT_CHUNK, ...STREAM });
    case 'none':
      return new PassThrough();
  }
}

/** Whether `code` is zlib's (or zstd's) own: the stored bytes do not decompress. */
export function isDecompressionError(code: unknown): boolean {
  return typeof code === 'string' && /^(ZSTD_error_|Z_)/.test(code);
}
