import type { Readable } from 'node:stream';
import type { S3Store } from './s3.js';
import { s3Address, type S3StoreOptions } from './s3-address.js';
import type { BackupStore, ByteRange, PendingUpload, PutOptions, StoredObject } from './types.js';

/**
 * An S3 store that loads the AWS SDK when first used. The SDK is about a third of the action's
 * code: a run against a file:// destination, or one stopped by a bad input, starts without it and
 * its garbage collections have that much less heap to go through.
 */
export class LazyS3Store implements BackupStore {
  readonly location: string;
  private store: Promise<S3Store> | undefined;
  private opened: S3Store | undefined;

  constructor(private readonly options: S3StoreOptions) {
    this.location = s3Address(options);
  }

  private open(): Promise<S3Store> {
    this.store ??= import(/* webpackMode: "eager" */ './s3.js').then(
      ({ S3Store }) => (this.opened = new S3Store(this.options)),
    );
    return this.store;
  }

  locationOf(key: string): string {
    return s3Address(this.options, key);
  }

  async put(key: string, body: Readable, options?: PutOptions): Promise<void> {
    return (await this.open()).put(key, body, options);
  }

  async get(key: string, signal?: AbortSignal, range?: ByteRange): Promise<Readable> {
    return (await this.open()).get(key, signal, range);
  }

  async head(key: string): Promise<StoredObject | undefined> {
    return (await this.open()).head(key);
  }

  async list(): Promise<StoredObject[]> {
    return (await this.open()).list();
  }

  async remove(keys: string[]): Promise<void> {
    return (await this.open()).remove(keys);
  }

  async pendingUploads(): Promise<PendingUpload[]> {
    return (await this.open()).pendingUploads();
  }

  async abortUpload(upload: PendingUpload): Promise<void> {
    return (await this.open()).abortUpload(upload);
  }

  close(): void {
    this.opened?.close();
  }
}
