import type { Readable } from 'node:stream';

export interface StoredObject {
  /** Relative to the destination root, e.g. `20261125T195331Z-a1b2c3/database.dump.zst`. */
  key: string;
  size: number;
  modified: Date;
}

/** Bytes [start, end) of an object. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutOptions {
  /** Best guess of the final size; S3 sizes its multipart parts from it. */
  expectedSize?: number;
  contentType?: string;
  signal?: AbortSignal;
}

/** An upload that never finished (S3 multipart) and still holds storage. */
export interface PendingUpload {
  key: string;
  uploadId: string;
  started: Date;
}

/**
 * Where backups live. `put` is all-or-nothing: the object appears under its key only after every
 * byte was stored (file: rename of a fsynced `.partial`; S3: CompleteMultipartUpload), and a failed
 * `put` leaves nothing under the key.
 */
export interface BackupStore {
  /** Display form of the root, e.g. `s3://bucket/prefix` or `file:///var/backups/ralph`. */
  readonly location: string;
  locationOf(key: string): string;
  put(key: string, body: Readable, options?: PutOptions): Promise<void>;
  /** Where the object is on the local disk, for stores that keep it there (a file:// store). */
  localPath?(key: string): string;
  /** The object's bytes, or only those of `range` (a frame: see frames.ts). */
  get(key: string, signal?: AbortSignal, range?: ByteRange): Promise<Readable>;
  head(key: string): Promise<StoredObject | undefined>;
  /** Every object under the root (S3: paginated listing; file: two directory levels). */
  list(): Promise<StoredObject[]>;
  remove(keys: string[]): Promise<void>;
  /** Unfinished uploads (only S3 has them). */
  pendingUploads(): Promise<PendingUpload[]>;
  abortUpload(upload: PendingUpload): Promise<void>;
  close(): void;
}
