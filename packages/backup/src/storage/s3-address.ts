// What names an S3 store and its objects: kept apart from the store itself (s3.ts), which loads
// the AWS SDK, so a store can be named before, or without, loading it.

export type Sse = 'AES256' | 'aws:kms' | 'none';

export interface S3StoreOptions {
  bucket: string;
  /** Without leading or trailing slash; '' for the bucket root. */
  prefix: string;
  /** S3-compatible endpoint (MinIO, Ceph, moto); path-style addressing is used with it. */
  endpoint?: string;
  sse: Sse;
  kmsKeyId?: string;
  region?: string;
}

/** The object key of `key` under the store's prefix. */
export function s3Key(o: Pick<S3StoreOptions, 'prefix'>, key: string): string {
  return o.prefix ? `${o.prefix}/${key}` : key;
}

/** `s3://bucket/prefix`, or with `key` the object's own address. */
export function s3Address(o: Pick<S3StoreOptions, 'bucket' | 'prefix'>, key?: string): string {
  if (key !== undefined) return `s3://${o.bucket}/${s3Key(o, key)}`;
  return `s3://${o.bucket}${o.prefix ? `/${o.prefix}` : ''}`;
}
