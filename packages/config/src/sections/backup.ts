import { input } from '../inputs.js';

/** backup's inputs: the contract shared by action.yml, its README and the spec's `backup` section. */
export const backupInputs = {
  mode: input.enum(['backup', 'restore', 'verify', 'prune', 'check'] as const, {
    description:
      'What to do: backup (dump and archive to the destination), restore (into target-database-url), verify (restore into a scratch database, check it, drop it), prune (apply retention), check (fail when the newest complete backup is older than max-age) (default backup).',
    default: 'backup',
  }),
  'database-url': input.secret({
    description:
      'PostgreSQL URL of the database to back up (masked). verify creates its scratch database on this server unless target-database-url is set. Needed by backup and verify.',
  }),
  destination: input.string({
    description:
      'Where backups live: s3://bucket/prefix or file:///path. Each backup is a folder named by its id holding its objects and, written last, manifest.json (default file:///var/backups/ralph).',
    default: 'file:///var/backups/ralph',
  }),
  paths: input.list({
    description:
      'Application data directories or files to archive with tar next to the dump (absolute, or relative to the workspace). One per line.',
  }),
  compression: input.enum(['zstd', 'gzip', 'none'] as const, {
    description: 'Compression of every object: zstd, gzip or none (default zstd).',
    default: 'zstd',
  }),
  'compression-level': input.number({
    description:
      'Compression level: zstd 1-19 (default 1: on JSON-heavy dumps it was both faster and smaller than 3 with the zstd in Node), gzip 1-9 (default 6); ignored for none.',
    integer: true,
    min: 1,
    max: 19,
  }),
  jobs: input.number({
    description:
      'Parallel jobs for restore and verify: pg_restore --jobs, and tables loaded at once when restoring into a new database. Default: the number of CPUs.',
    integer: true,
    min: 1,
    max: 64,
  }),
  'retention-days': input.number({
    description: 'prune: complete backups younger than this many days are kept (default 30).',
    default: 30,
    min: 0,
  }),
  'keep-last': input.number({
    description:
      'prune: the newest N complete backups are kept whatever their age. The newest complete backup is never deleted (default 1).',
    default: 1,
    integer: true,
    min: 1,
  }),
  'incomplete-grace': input.duration({
    description:
      'prune: an incomplete backup (no manifest) or unfinished upload untouched for longer than this is deleted as debris; younger ones may still be running (default 24h).',
    default: '24h',
  }),
  'max-age': input.duration({
    description: "check: the newest complete backup must be younger than this (the guide's RPO; default 1h).",
    default: '1h',
  }),
  'backup-id': input.string({
    description: 'restore/verify: the backup to use (e.g. 20261125T195331Z-a1b2c3). Default: the newest complete one.',
    pattern: /^\d{8}T\d{6}Z-[0-9a-f]{6}$/,
    patternHint: 'is not a backup id (like 20261125T195331Z-a1b2c3)',
  }),
  'target-database-url': input.secret({
    description:
      'restore: PostgreSQL URL of the database to restore into (masked; created when missing, must be empty unless clean). verify: the server for the scratch database (default: database-url).',
  }),
  clean: input.boolean({
    description:
      "restore: drop the backup's objects in a non-empty target before recreating them, and replace existing data paths in restore-dir (default false).",
    default: false,
  }),
  'restore-dir': input.string({
    description:
      'restore: directory where data paths are restored, each under its archived name (an absolute /app/data comes back as <restore-dir>/app/data). Without it, data paths are only checksummed.',
  }),
  'work-dir': input.string({
    description:
      'restore/verify: local directory for the decompressed dump (pg_restore --jobs needs a seekable file). Default: memory (/dev/shm) when the dump fits there with room to spare, so it is never written back to disk while the database writes, else RUNNER_TEMP.',
  }),
  'maintenance-work-mem': input.string({
    description:
      "restore/verify: PostgreSQL's maintenance_work_mem for pg_restore's sessions, so index and constraint builds sort in memory (PostgreSQL's advice for populating a database). Each parallel job may use this much on the server; server keeps the server's setting (default 512MB).",
    default: '512MB',
    pattern: /^(?:[1-9]\d*(?:kB|MB|GB|TB)|server)$/,
    patternHint: 'is not a PostgreSQL memory size (like 256MB or 1GB) or server',
  }),
  'keep-ownership': input.boolean({
    description:
      "restore: keep the dump's owners and privileges (the roles must exist in the target). By default objects belong to the restoring user (default false).",
    default: false,
  }),
  'verify-sql': input.string({
    description:
      'verify: a query run in the restored scratch database; the check passes when its first row has a true first column (e.g. select count(*) > 0 from ralph.orchestrations).',
  }),
  'row-count-tolerance': input.number({
    description:
      "verify: allowed relative difference between a restored table's row count and the manifest's estimate (default 0.1).",
    default: 0.1,
    min: 0,
    max: 1,
  }),
  rto: input.duration({
    description:
      "verify: fail when the restore takes longer than this (the guide's recovery time objective; default 4h).",
    default: '4h',
  }),
  's3-endpoint': input.url({
    description:
      'Endpoint of an S3-compatible store (MinIO, Ceph); path-style addressing is used with it. Default: AWS (or AWS_ENDPOINT_URL).',
    protocols: ['http', 'https'],
  }),
  sse: input.enum(['AES256', 'aws:kms', 'none'] as const, {
    description:
      'S3 server-side encryption: AES256 (SSE-S3), aws:kms (SSE-KMS, with kms-key-id or the AWS managed key) or none (default AES256).',
    default: 'AES256',
  }),
  'kms-key-id': input.string({ description: 'KMS key id or ARN for sse: aws:kms.' }),
  'pg-bin-dir': input.string({
    description:
      'Directory holding pg_dump and pg_restore (e.g. /usr/lib/postgresql/16/bin) when the ones on PATH are older than the server.',
  }),
};
