import { fileURLToPath } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { FileStore } from './file.js';
import type { Sse } from './s3-address.js';
import { LazyS3Store } from './s3-lazy.js';
import type { BackupStore } from './types.js';

export * from './types.js';
export { FileStore, PARTIAL_SUFFIX } from './file.js';
// (s3.ts, which loads the AWS SDK, is imported only when an S3 store is first used: s3-lazy.ts)
export type { Sse } from './s3-address.js';

export interface StoreOptions {
  s3Endpoint?: string;
  sse?: Sse;
  kmsKeyId?: string;
}

/**
 * Opens `s3://bucket/prefix` or `file:///path`. A plain path is accepted as a file destination.
 * Throws a plain Error describing the problem; the caller names the input.
 */
export function openStore(destination: string, options: StoreOptions = {}): BackupStore {
  const d = destination.trim();
  if (d.startsWith('s3://')) {
    const rest = d.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      throw new Error(`"${destination}" does not name a valid S3 bucket`);
    return new LazyS3Store({
      bucket,
      prefix,
      sse: options.sse ?? 'AES256',
      ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}),
      ...(options.kmsKeyId ? { kmsKeyId: options.kmsKeyId } : {}),
    });
  }
  if (d.startsWith('file://')) {
    let path: string;
    try {
      path = fileURLToPath(d);
    } catch {
      throw new Error(`"${destination}" is not a valid file:// URL (use file:///absolute/path)`);
    }
    return new FileStore(path.replace(/\/+$/, '') || '/');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(d)) throw new Error(`"${destination}" must start with s3:// or file://`);
  if (d === '') throw new Error('is empty');
  return new FileStore(isAbsolute(d) ? d : resolve(d));
}
