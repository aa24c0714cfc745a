import { isAbsolute, resolve } from 'node:path';
import { runAction, type ActionContext } from '@ralph-deploy/action-kit';
import { migrateDbInputs } from '@ralph-deploy/config';
import {
  MigrateDbError,
  reportData,
  resolvePlaceholders,
  runMigrateDb,
  summaryTables,
  type MigrateDbResult,
} from '@ralph-deploy/migrate';

type Ctx = ActionContext<typeof migrateDbInputs>;

/** Outputs, report and summary: written for successful and failed runs alike. */
async function publish(ctx: Ctx, r: MigrateDbResult): Promise<void> {
  ctx.setOutput('applied', r.applied.length);
  ctx.setOutput('pending', r.pending.length);
  ctx.setOutput('current-version', r.currentVersion ?? '');
  await ctx.writeReport(reportData(r));
  const title = r.dryRun && r.command === 'migrate' ? 'plan (dry-run)' : r.command;
  ctx.summary.heading(`migrate-db: ${title}`);
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const lintLine = `lint: ${errors} error${errors === 1 ? '' : 's'}, ${r.findings.length - errors} warning${r.findings.length - errors === 1 ? '' : 's'}`;
  ctx.summary.text(
    r.command === 'lint'
      ? `Linted ${r.files} migration file${r.files === 1 ? '' : 's'}; ${lintLine}.`
      : `History \`${r.historyTable}\`${r.database ? ` on \`${r.database}\`` : ''}; current version **${r.currentVersion ?? 'none'}**; applied ${r.applied.length}, pending ${r.pending.length}; ${lintLine}.`,
  );
  if (r.failure) ctx.summary.text(`**Failed:** ${r.failure}`);
  for (const t of summaryTables(r)) ctx.summary.heading(t.heading, 3).table(t.headers, t.rows);
  for (const f of r.findings) {
    ctx.annotate({
      level: f.severity === 'error' ? 'error' : 'warning',
      file: f.file,
      line: f.line,
      ...(f.column ? { column: f.column } : {}),
      title: `migrate-db lint: ${f.rule}`,
      message: `${f.message}. Instead: ${f.alternative}`,
    });
  }
}

await runAction({
  name: 'migrate-db',
  inputs: migrateDbInputs,
  main: async (ctx) => {
    const i = ctx.inputs;
    const placeholders = resolvePlaceholders(i.placeholders);
    // Secret placeholder values are masked before any SQL (or error quoting it) can be printed.
    for (const p of Object.values(placeholders)) if (p.secret && p.value !== '') ctx.log.mask(p.value);
    const workspace = ctx.github.workspace || process.cwd();
    const g = ctx.github;
    try {
      const result = await runMigrateDb({
        command: i.command,
        ...(i['database-url'] ? { databaseUrl: i['database-url'] } : {}),
        migrationsDir: isAbsolute(i.migrations) ? i.migrations : resolve(workspace, i.migrations),
        workspace,
        history: { schema: i['history-schema'], table: i['history-table'] },
        lockTimeoutMs: i['lock-timeout'],
        statementTimeoutMs: i['statement-timeout'],
        lockWaitTimeoutMs: i['lock-wait-timeout'],
        lockRetries: i['lock-retries'],
        failOn: i['fail-on'],
        allowOutOfOrder: i['allow-out-of-order'],
        placeholders,
        ...(i['baseline-version'] ? { baselineVersion: i['baseline-version'] } : {}),
        dryRun: ctx.dryRun,
        who: {
          ...(g.actor ? { actor: g.actor } : {}),
          ...(g.sha ? { commitSha: g.sha } : {}),
          ...(g.runId ? { runId: String(g.runId) } : {}),
        },
        log: ctx.log,
        signal: ctx.signal,
        applicationName:
          `ralph-deploy migrate-db${g.runId ? ` run ${g.runId}` : ''}${g.actor ? ` by ${g.actor}` : ''}`.slice(0, 63),
      });
      await publish(ctx, result);
    } catch (e: unknown) {
      if (e instanceof MigrateDbError) await publish(ctx, e.result);
      throw e;
    }
  },
});
