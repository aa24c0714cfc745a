import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BackupStore, Manifest } from '../../../packages/backup/src/index.js';

/** A backup id for a given start time (same format the action makes). */
export function idAt(t: Date, suffix = randomBytes(3).toString('hex')): string {
  return `${t
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}-${suffix}`;
}

/**
 * Writes a structurally valid backup (one dump object and, when complete, its manifest) started
 * at `t`, for retention and check tests that need many backups of chosen ages.
 */
export async function craftBackup(store: BackupStore, t: Date, complete = true): Promise<string> {
  const id = idAt(t);
  const body = randomBytes(1000);
  const sha = createHash('sha256').update(body).digest('hex');
  const key = `${id}/database.dump`;
  await store.put(key, Readable.from([body]));
  if (complete) {
    const m: Manifest = {
      manifestVersion: 1,
      id,
      createdAt: t.toISOString(),
      completedAt: t.toISOString(),
      durationMs: 0,
      database: {
        name: 'app',
        server: 'db:5432',
        serverVersion: '15.18',
        serverVersionNum: 150018,
        pgDumpVersion: 'pg_dump (PostgreSQL) 15.18',
        pgDumpMajor: 15,
        sizeBytes: 1,
        tables: [],
      },
      format: 'custom',
      compression: { algorithm: 'none', level: 0 },
      objects: [{ key, kind: 'database', sizeBytes: body.length, sha256: sha, rawBytes: body.length, rawSha256: sha }],
      paths: [],
      source: {},
    };
    await store.put(`${id}/manifest.json`, Readable.from([Buffer.from(JSON.stringify(m))]));
  }
  return id;
}
