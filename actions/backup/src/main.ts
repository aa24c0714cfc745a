import { availableParallelism, tmpdir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { runAction, type ActionContext } from '@ralph-deploy/action-kit';
import { backupInputs } from '@ralph-deploy/config';
import { ActionError, InputError, errorMessage, formatDuration } from '@ralph-deploy/common';
import {
  defaultLevel,
  levelProblem,
  listCatalog,
  openStore,
  resolveBackup,
  runBackup,
  runCheck,
  runPrune,
  runRestore,
  runVerify,
  type BackupStore,
  type Manifest,
} from '@ralph-deploy/backup';

type Ctx = ActionContext<typeof backupInputs>;

const MB = 1024 * 1024;
const size = (n: number) =>
  n >= 1024 * MB ? `${(n / 1024 / MB).toFixed(2)} GiB` : n >= MB ? `${(n / MB).toFixed(1)} MiB` : `${n} B`;
const seconds = (ms: number) => Math.round(ms / 100) / 10;

function workspacePath(ctx: Ctx, p: string): string {
  return isAbsolute(p) ? p : resolve(ctx.github.workspace || process.cwd(), p);
}

function need<K extends 'database-url' | 'target-database-url'>(ctx: Ctx, name: K, why: string): string {
  const v = ctx.inputs[name] as string | undefined;
  if (!v) throw new InputError(name, `is required for mode ${ctx.inputs.mode} (${why})`);
  try {
    const u = new URL(v);
    if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error('x');
  } catch {
    throw new InputError(name, 'is not a postgres:// or postgresql:// URL');
  }
  return v;
}

function open(ctx: Ctx): BackupStore {
  const i = ctx.inputs;
  if (i.sse !== 'aws:kms' && i['kms-key-id']) throw new InputError('kms-key-id', "is only used with sse: 'aws:kms'");
  try {
    return openStore(i.destination, {
      sse: i.sse,
      ...(i['s3-endpoint'] ? { s3Endpoint: i['s3-endpoint'] } : {}),
      ...(i['kms-key-id'] ? { kmsKeyId: i['kms-key-id'] } : {}),
    });
  } catch (e: unknown) {
    throw new InputError('destination', errorMessage(e));
  }
}

function publishBackup(ctx: Ctx, m: Manifest, location: string, durationMs: number): void {
  const dump = m.objects.find((o) => o.kind === 'database');
  ctx.setOutput('backup-id', m.id);
  ctx.setOutput('location', location);
  ctx.setOutput(
    'size-bytes',
    m.objects.reduce((n, o) => n + o.sizeBytes, 0),
  );
  ctx.setOutput('sha256', dump?.sha256 ?? '');
  ctx.setOutput('duration-seconds', seconds(durationMs));
}

function objectsTable(ctx: Ctx, m: Manifest): void {
  ctx.summary.table(
    ['Object', 'Before compression', 'Stored', 'Ratio', 'sha256'],
    m.objects.map((o) => [
      `\`${o.key}\``,
      size(o.rawBytes),
      size(o.sizeBytes),
      o.sizeBytes > 0 ? `${(o.rawBytes / o.sizeBytes).toFixed(1)}x` : '-',
      `\`${o.sha256}\``,
    ]),
  );
}

async function backup(ctx: Ctx, store: BackupStore): Promise<void> {
  const i = ctx.inputs;
  const databaseUrl = need(ctx, 'database-url', 'the database to back up');
  const level = i['compression-level'] ?? defaultLevel(i.compression);
  const problem = levelProblem(i.compression, level);
  if (problem) throw new InputError('compression-level', problem);
  if (ctx.dryRun) {
    ctx.summary
      .heading('backup: plan (dry-run)')
      .list([
        `database: ${new URL(databaseUrl).pathname.slice(1)} on ${new URL(databaseUrl).host}`,
        `destination: ${store.location}`,
        `compression: ${i.compression}${i.compression === 'none' ? '' : ` level ${level}`}`,
        `paths: ${i.paths?.length ? i.paths.join(', ') : 'none'}`,
      ]);
    ctx.log.info(`dry-run: would back up to ${store.location}`);
    return;
  }
  const g = ctx.github;
  const t0 = Date.now();
  const r = await runBackup({
    databaseUrl,
    store,
    compression: i.compression,
    level,
    paths: i.paths ?? [],
    baseDir: g.workspace || process.cwd(),
    ...(i['pg-bin-dir'] ? { pgBinDir: i['pg-bin-dir'] } : {}),
    source: {
      ...(g.repository ? { repository: g.repository } : {}),
      ...(g.sha ? { commit: g.sha } : {}),
      ...(g.ref ? { ref: g.ref } : {}),
      ...(g.runId ? { runId: g.runId } : {}),
      ...(g.runAttempt ? { runAttempt: g.runAttempt } : {}),
      ...(g.runUrl ? { runUrl: g.runUrl } : {}),
      ...(g.workflow ? { workflow: g.workflow } : {}),
      ...(g.actor ? { actor: g.actor } : {}),
    },
    log: ctx.log,
    signal: ctx.signal,
  });
  const ms = Date.now() - t0;
  const m = r.manifest;
  publishBackup(ctx, m, r.location, ms);
  await ctx.writeReport({ mode: 'backup', location: r.location, manifest: m });
  const raw = m.objects.reduce((n, o) => n + o.rawBytes, 0);
  ctx.summary
    .heading(`backup: ${m.id}`)
    .text(
      `Database **${m.database.name}** (PostgreSQL ${m.database.serverVersion}, ${m.database.tables.length} tables, ${size(m.database.sizeBytes)} on disk) dumped with ${m.database.pgDumpVersion} in custom format, ${m.compression.algorithm}${m.compression.algorithm === 'none' ? '' : ` level ${m.compression.level}`}, to \`${r.location}\`.`,
    )
    .text(
      `${size(raw)} read, ${size(r.sizeBytes)} stored in ${formatDuration(ms)}: **${(raw / MB / Math.max(ms / 1000, 0.001)).toFixed(1)} MiB/s**.`,
    );
  objectsTable(ctx, m);
  if (m.paths.length > 0)
    ctx.summary.table(
      ['Path', 'Archived as', 'Files', 'Bytes'],
      m.paths.map((p) => [p.source, p.archivedAs, p.files, size(p.bytes)]),
    );
}

async function restore(ctx: Ctx, store: BackupStore): Promise<void> {
  const i = ctx.inputs;
  const targetUrl = need(ctx, 'target-database-url', 'the database to restore into');
  const { manifest, entry } = await resolveBackup(store, i['backup-id'], ctx.log);
  const location = store.locationOf(`${manifest.id}/`);
  if (ctx.dryRun) {
    ctx.summary
      .heading('restore: plan (dry-run)')
      .text(
        `Would restore backup **${manifest.id}** (${manifest.createdAt}) from \`${location}\` into the target database${i.clean ? ' with clean' : ''}.`,
      );
    ctx.setOutput('backup-id', manifest.id);
    ctx.setOutput('location', location);
    return;
  }
  const r = await runRestore({
    store,
    manifest,
    targetUrl,
    jobs: i.jobs ?? availableParallelism(),
    clean: i.clean,
    ...(i['restore-dir'] ? { restoreDir: workspacePath(ctx, i['restore-dir']) } : {}),
    ...scratchDirs(ctx),
    ...(i['pg-bin-dir'] ? { pgBinDir: i['pg-bin-dir'] } : {}),
    ...maintenanceWorkMem(i['maintenance-work-mem']),
    keepOwnership: i['keep-ownership'],
    log: ctx.log,
    signal: ctx.signal,
  });
  publishBackup(ctx, manifest, location, r.totalMs);
  await ctx.writeReport({ mode: 'restore', location, backupId: manifest.id, sizeBytes: entry.sizeBytes, ...r });
  ctx.summary
    .heading(`restore: ${manifest.id}`)
    .text(
      `Backup from ${manifest.createdAt} restored${r.targetCreated ? ' into a new database' : ''} in **${formatDuration(r.totalMs)}** (fetch and checksums ${formatDuration(r.fetchMs)}, database restore with ${i.jobs ?? availableParallelism()} jobs ${formatDuration(r.pgRestoreMs)}${r.overlapped ? ', run while the dump arrived' : ', after every checksum passed'}). Every object matched its sha256.`,
    );
  objectsTable(ctx, manifest);
  if (r.pathsRestored)
    ctx.summary.text(
      `Data paths: ${r.pathsRestored.files} files (${size(r.pathsRestored.bytes)}) restored under \`${r.pathsRestored.dir}\`.`,
    );
}

async function verify(ctx: Ctx, store: BackupStore): Promise<void> {
  const i = ctx.inputs;
  const serverUrl = i['target-database-url']
    ? need(ctx, 'target-database-url', '')
    : need(ctx, 'database-url', 'the server where the scratch database is created');
  const { manifest } = await resolveBackup(store, i['backup-id'], ctx.log);
  const location = store.locationOf(`${manifest.id}/`);
  ctx.setOutput('backup-id', manifest.id);
  ctx.setOutput('location', location);
  if (ctx.dryRun) {
    ctx.summary
      .heading('verify: plan (dry-run)')
      .text(`Would restore backup **${manifest.id}** into a scratch database, check it and drop it.`);
    return;
  }
  const v = await runVerify({
    store,
    manifest,
    serverUrl,
    jobs: i.jobs ?? availableParallelism(),
    rowTolerance: i['row-count-tolerance'],
    ...(i['verify-sql'] ? { sql: i['verify-sql'] } : {}),
    ...scratchDirs(ctx),
    ...(i['pg-bin-dir'] ? { pgBinDir: i['pg-bin-dir'] } : {}),
    ...maintenanceWorkMem(i['maintenance-work-mem']),
    log: ctx.log,
    signal: ctx.signal,
  });
  if (v.restore) {
    const within = v.restore.totalMs <= i.rto;
    v.checks.push({
      status: within ? 'pass' : 'fail',
      title: 'recovery time',
      detail: `restore took ${formatDuration(v.restore.totalMs)} (rto ${formatDuration(i.rto)})`,
    });
    if (!within) v.passed = false;
    publishBackup(ctx, manifest, location, v.restore.totalMs);
    ctx.setOutput('restore-seconds', seconds(v.restore.totalMs));
  }
  await ctx.writeReport({ mode: 'verify', location, backupId: manifest.id, ...v });
  ctx.summary
    .heading(`verify: ${manifest.id} ${v.passed ? 'passed' : 'FAILED'}`)
    .text(
      v.restore
        ? `Restored into scratch database \`${v.scratchDatabase}\` (dropped afterwards) in **${formatDuration(v.restore.totalMs)}**: the recovery time this backup needs.`
        : `The backup could not be restored into scratch database \`${v.scratchDatabase}\` (dropped).`,
    )
    .checklist(v.checks.map((c) => ({ status: c.status, title: c.title, detail: c.detail })));
  if (!v.passed) {
    const failed = v.checks.filter((c) => c.status === 'fail');
    throw new ActionError(
      `verification of backup ${manifest.id} failed: ${failed.map((c) => `${c.title}: ${c.detail}`).join('; ')}`,
    );
  }
}

async function prune(ctx: Ctx, store: BackupStore): Promise<void> {
  const i = ctx.inputs;
  const r = await runPrune(
    store,
    { retentionDays: i['retention-days'], keepLast: i['keep-last'], incompleteGraceMs: i['incomplete-grace'] },
    { dryRun: ctx.dryRun, log: ctx.log },
  );
  const gone = r.decisions.filter((d) => d.action === 'delete');
  await ctx.writeReport({ mode: 'prune', location: store.location, ...r });
  ctx.setOutput('size-bytes', r.deletedBytes);
  ctx.summary
    .heading(`prune${ctx.dryRun ? ' (dry-run)' : ''}: ${store.location}`)
    .text(
      `${ctx.dryRun ? 'Would delete' : 'Deleted'} ${gone.length} of ${r.decisions.length} backups (${size(gone.reduce((n, d) => n + d.sizeBytes, 0))}); retention ${i['retention-days']} days, keep-last ${i['keep-last']}.`,
    )
    .table(
      ['Backup', 'Started', 'Complete', 'Size', 'Action', 'Why'],
      r.decisions.map((d) => [
        d.id,
        d.startedAt.toISOString(),
        d.complete ? 'yes' : 'no',
        size(d.sizeBytes),
        d.action === 'delete' ? (ctx.dryRun ? 'would delete' : 'deleted') : 'kept',
        d.reason,
      ]),
    );
  if (r.staleUploads.length > 0) {
    ctx.summary.text(
      `${ctx.dryRun ? 'Would abort' : 'Aborted'} ${r.staleUploads.length} unfinished multipart upload(s): ${r.staleUploads.map((u) => `\`${u.key}\``).join(', ')}.`,
    );
  }
}

async function check(ctx: Ctx, store: BackupStore): Promise<void> {
  const r = await runCheck(store, ctx.inputs['max-age'], { log: ctx.log });
  if (r.newest) {
    const m = r.newest.manifest;
    ctx.setOutput('backup-id', m.id);
    ctx.setOutput('location', store.locationOf(`${m.id}/`));
    ctx.setOutput(
      'size-bytes',
      m.objects.reduce((n, o) => n + o.sizeBytes, 0),
    );
    ctx.setOutput('sha256', m.objects.find((o) => o.kind === 'database')?.sha256 ?? '');
    ctx.setOutput('age-seconds', Math.round((r.ageMs ?? 0) / 1000));
  }
  await ctx.writeReport({
    mode: 'check',
    location: store.location,
    ok: r.ok,
    ageMs: r.ageMs,
    message: r.message,
    backupId: r.newest?.manifest.id,
  });
  const total = (await listCatalog(store)).length;
  ctx.summary
    .heading(`check: ${store.location}`)
    .checklist([{ status: r.ok ? 'pass' : 'fail', title: 'recovery point', detail: r.message }])
    .text(
      `${total} backup folder(s) found; newest complete: ${r.newest ? `${r.newest.manifest.id} (${r.newest.manifest.createdAt})` : 'none'}.`,
    );
  if (!r.ok) throw new ActionError(r.message);
  ctx.log.info(r.message);
}

await runAction({
  name: 'backup',
  inputs: backupInputs,
  main: async (ctx) => {
    const t0 = Date.now();
    const store = open(ctx);
    try {
      switch (ctx.inputs.mode) {
        case 'backup':
          await backup(ctx, store);
          break;
        case 'restore':
          await restore(ctx, store);
          break;
        case 'verify':
          await verify(ctx, store);
          break;
        case 'prune':
          await prune(ctx, store);
          break;
        case 'check':
          await check(ctx, store);
          break;
      }
    } finally {
      if (ctx.inputs.mode === 'prune' || ctx.inputs.mode === 'check')
        ctx.setOutput('duration-seconds', seconds(Date.now() - t0));
      store.close();
    }
  },
});

/** "server" keeps the server's maintenance_work_mem. */
function maintenanceWorkMem(value: string): { maintenanceWorkMem?: string } {
  return value === 'server' ? {} : { maintenanceWorkMem: value };
}

/** An explicit work-dir is used as is; by default memory (/dev/shm) when the dump fits, else RUNNER_TEMP. */
function scratchDirs(ctx: Ctx): { workDir: string; memoryDir?: string } {
  const explicit = ctx.inputs['work-dir'];
  if (explicit) return { workDir: workspacePath(ctx, explicit) };
  return { workDir: process.env.RUNNER_TEMP || tmpdir(), memoryDir: '/dev/shm' };
}
