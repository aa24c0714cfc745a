import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { errorMessage } from '@ralph-deploy/common';
import { s3Address, s3Key, type S3StoreOptions } from './s3-address.js';
import type { BackupStore, ByteRange, PendingUpload, PutOptions, StoredObject } from './types.js';

const MiB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MiB;
const MAX_PART_SIZE = 5 * 1024 * MiB;
const MAX_PARTS = 10_000;
/** With no size estimate, 64 MiB parts still allow 625 GiB before the 10,000-part limit. */
const UNKNOWN_SIZE_PART = 64 * MiB;

/**
 * Part size for a multipart upload of about `expectedSize` bytes: room for twice the estimate
 * within 10,000 parts, at least S3's 5 MiB minimum, whole MiB; big parts when the size is unknown.
 */
export function partSizeFor(expectedSize: number | undefined): number {
  if (expectedSize === undefined || !Number.isFinite(expectedSize) || expectedSize <= 0) return UNKNOWN_SIZE_PART;
  const needed = Math.ceil((expectedSize * 2) / MAX_PARTS);
  return Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, Math.ceil(needed / MiB) * MiB));
}

/** Parts in flight: memory use is about queueSize x partSize, so fewer big parts at once. */
export function queueSizeFor(partSize: number): number {
  return partSize <= 16 * MiB ? 4 : partSize <= 64 * MiB ? 2 : 1;
}

/** An S3 bucket (or S3-compatible store) under a prefix; credentials come from the default chain. */
export class S3Store implements BackupStore {
  readonly location: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3StoreOptions) {
    this.location = s3Address(options);
    const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    this.client = new S3Client({
      region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      maxAttempts: 5,
    });
  }

  private fullKey(key: string): string {
    return s3Key(this.options, key);
  }

  private relative(fullKey: string): string {
    return this.options.prefix ? fullKey.slice(this.options.prefix.length + 1) : fullKey;
  }

  locationOf(key: string): string {
    return s3Address(this.options, key);
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<void> {
    const partSize = partSizeFor(options.expectedSize);
    const Key = this.fullKey(key);
    const upload = new Upload({
      client: this.client,
      partSize,
      queueSize: queueSizeFor(partSize),
      leavePartsOnError: false,
      params: {
        Bucket: this.options.bucket,
        Key,
        Body: body,
        ...(options.contentType ? { ContentType: options.contentType } : {}),
        ...this.encryption(),
      },
    });
    // Upload.abort() would leave lib-storage's own promise unhandled: fail the body instead, which
    // makes it abort the multipart upload through its normal error path.
    const onAbort = () =>
      body.destroy(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } catch (e: unknown) {
      body.destroy();
      await this.abortUploadsOf(Key);
      throw e;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private encryption(): { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } {
    if (this.options.sse === 'none') return {};
    if (this.options.sse === 'aws:kms') {
      return {
        ServerSideEncryption: 'aws:kms',
        ...(this.options.kmsKeyId ? { SSEKMSKeyId: this.options.kmsKeyId } : {}),
      };
    }
    return { ServerSideEncryption: 'AES256' };
  }

  /** lib-storage aborts on error, but a failing abort request would leave parts billed forever. */
  private async abortUploadsOf(Key: string): Promise<void> {
    try {
      const r = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.options.bucket, Prefix: Key }));
      for (const u of r.Uploads ?? []) {
        if (u.Key === Key && u.UploadId) {
          await this.client.send(
            new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key, UploadId: u.UploadId }),
          );
        }
      }
    } catch {
      /* best effort: prune reports and aborts stale uploads later */
    }
  }

  async get(key: string, signal?: AbortSignal, range?: ByteRange): Promise<Readable> {
    if (range && range.end <= range.start) return Readable.from([]);
    const r = await this.client.send(
      new GetObjectCommand({
        Bucket: this.options.bucket,
        Key: this.fullKey(key),
        ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
    return r.Body as Readable;
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.fullKey(key) }));
      return { key, size: r.ContentLength ?? 0, modified: r.LastModified ?? new Date(0) };
    } catch (e: unknown) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      throw e;
    }
  }

  async list(): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    const Prefix = this.options.prefix ? `${this.options.prefix}/` : undefined;
    let ContinuationToken: string | undefined;
    for (let page = 0; page < 100_000; page++) {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix, ContinuationToken }),
      );
      for (const o of r.Contents ?? []) {
        if (o.Key) out.push({ key: this.relative(o.Key), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) });
      }
      if (!r.IsTruncated || !r.NextContinuationToken) break;
      ContinuationToken = r.NextContinuationToken;
    }
    return out;
  }

  async remove(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const r = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: { Objects: batch.map((k) => ({ Key: this.fullKey(k) })), Quiet: true },
        }),
      );
      const failed = r.Errors ?? [];
      if (failed.length > 0) {
        throw new Error(
          `could not delete ${failed.length} object(s), first ${failed[0]?.Key}: ${failed[0]?.Code} ${failed[0]?.Message}`,
        );
      }
    }
  }

  async pendingUploads(): Promise<PendingUpload[]> {
    const out: PendingUpload[] = [];
    const Prefix = this.options.prefix ? `${this.options.prefix}/` : undefined;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const r = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.options.bucket, Prefix, KeyMarker, UploadIdMarker }),
      );
      for (const u of r.Uploads ?? []) {
        if (u.Key && u.UploadId)
          out.push({ key: this.relative(u.Key), uploadId: u.UploadId, started: u.Initiated ?? new Date(0) });
      }
      if (!r.IsTruncated) break;
      KeyMarker = r.NextKeyMarker;
      UploadIdMarker = r.NextUploadIdMarker;
    }
    return out;
  }

  async abortUpload(upload: PendingUpload): Promise<void> {
    await this.client.send(
      new AbortMultipartUploadCommand({
        Bucket: this.options.bucket,
        Key: this.fullKey(upload.key),
        UploadId: upload.uploadId,
      }),
    );
  }

  close(): void {
    this.client.destroy();
  }
}

export function describeS3Error(e: unknown): string {
  const name = (e as { name?: string }).name;
  const msg = errorMessage(e);
  return name && !msg.startsWith(name) ? `${name}: ${msg}` : msg;
}
