import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionContext } from '@ralph-deploy/action-kit';
import {
  ChecklistError,
  createCheckContext,
  environmentApproval,
  evaluatePhases,
  guideChecklist,
  loadChecklistFile,
  parseChecklist,
  selectPhases,
  shouldFail,
  validateChecks,
  type Attestation,
  type Checklist,
  type CheckTargets,
} from '@ralph-deploy/checklist';
import { ActionError, InputError, SourceError, errorMessage } from '@ralph-deploy/common';
import { preflightCheckInputs } from '@ralph-deploy/config';
import { renderSummary, collectAnnotations } from './render.js';

type Ctx = ActionContext<typeof preflightCheckInputs>;

/** The checklist: a file named by the input, one written inline in the spec, or the guide's. */
async function resolveChecklist(ctx: Ctx): Promise<Checklist> {
  const value = ctx.inputs.checklist;
  if (value === undefined) return guideChecklist();
  if (typeof value === 'string') return loadChecklistFile(value, ctx.github.workspace);
  try {
    return { ...parseChecklist(value, 'spec'), locate: (p) => ctx.specLocation(['checklist', ...p]) };
  } catch (e: unknown) {
    if (e instanceof ChecklistError) throw located(e, ctx.specLocation(['checklist', ...e.path]), "input 'checklist'");
    throw e;
  }
}

function located(
  e: ChecklistError,
  loc: { file: string; line?: number; column?: number } | undefined,
  fallback: string,
): ActionError {
  return loc ? new SourceError(loc, e.message) : new ActionError(`${fallback}: ${e.message}`);
}

/** Explicit means "the user asked for it": a missing file then fails instead of being skipped. */
function explicit<T>(value: T, def: T): boolean {
  return JSON.stringify(value) !== JSON.stringify(def);
}

function targetsFrom(ctx: Ctx): CheckTargets {
  const i = ctx.inputs;
  const d = preflightCheckInputs;
  return {
    manifests: i.manifests,
    manifestsExplicit: explicit(i.manifests, d.manifests.default),
    envFile: i['env-file'],
    envFileExplicit: explicit(i['env-file'], d['env-file'].default),
    prometheusConfig: i['prometheus-config'],
    prometheusConfigExplicit: explicit(i['prometheus-config'], d['prometheus-config'].default),
    ...(i['prometheus-rules'] ? { prometheusRules: i['prometheus-rules'], prometheusRulesExplicit: true } : {}),
    promtool: {
      version: i['promtool-version'] ?? (d['promtool-version'].default as string),
      mirrorUrl: i['tool-mirror-url'] ?? (d['tool-mirror-url'].default as string),
      ...(i['promtool-sha256'] ? { sha256: i['promtool-sha256'] } : {}),
    },
    ...(i['database-url'] ? { databaseUrl: i['database-url'] } : {}),
    ...(i['redis-url'] ? { redisUrl: i['redis-url'] } : {}),
    ...(i.url ? { url: i.url } : {}),
    aws: {
      ...(i['aws-secrets'] ? { secrets: i['aws-secrets'] } : {}),
      ...(i['rds-instance'] ? { rdsInstance: i['rds-instance'] } : {}),
      ...(i['elasticache-replication-group'] ? { replicationGroup: i['elasticache-replication-group'] } : {}),
      ...(i['backup-bucket'] ? { backupBucket: i['backup-bucket'] } : {}),
    },
    github: {
      apiUrl: ctx.github.apiUrl,
      ...(i['github-token'] ? { token: i['github-token'] } : {}),
      ...(ctx.github.repository ? { repository: ctx.github.repository } : {}),
      ...(ctx.github.sha ? { sha: ctx.github.sha } : {}),
      ...(ctx.github.runId ? { runId: ctx.github.runId } : {}),
    },
  };
}

await runAction({
  name: 'preflight-check',
  inputs: preflightCheckInputs,
  main: async (ctx) => {
    const i = ctx.inputs;
    const list = await resolveChecklist(ctx);
    let phases;
    try {
      phases = selectPhases(list, i.phase ?? ['pre-deploy']);
    } catch (e: unknown) {
      throw new InputError('phase', errorMessage(e));
    }
    let parsed;
    try {
      parsed = validateChecks(list);
    } catch (e: unknown) {
      if (e instanceof ChecklistError) throw located(e, list.locate?.(e.path), `checklist ${list.source}`);
      throw e;
    }
    // tool-cache needs RUNNER_TOOL_CACHE, which only the hosted runner sets.
    process.env.RUNNER_TOOL_CACHE ||= join(process.env.RUNNER_TEMP || tmpdir(), 'tool-cache');

    const targets = targetsFrom(ctx);
    const attested = new Set(i.attest ?? []);
    const unknown = [...attested].filter((id) => !list.phases.some((p) => p.items.some((it) => it.id === id)));
    if (unknown.length > 0) throw new InputError('attest', `unknown item id(s) ${unknown.join(', ')}`);
    let approval: Attestation | undefined;
    if (i['approval-environment'])
      approval = await environmentApproval(targets.github, i['approval-environment'], ctx.log, ctx.signal);
    const attestation = (id: string): Attestation | undefined =>
      attested.has(id) ? { by: ctx.github.actor, how: "listed in 'attest'" } : approval;

    ctx.log.info(`evaluating ${phases.map((p) => p.name).join(', ')} from ${list.source}`);
    const check = createCheckContext({ cwd: ctx.github.workspace, log: ctx.log, signal: ctx.signal, targets });
    const report = await evaluatePhases(phases, parsed, check, attestation, i['fail-on'] ?? 'block');

    ctx.setOutput('passed', report.passed);
    ctx.setOutput('failed', report.failed);
    ctx.setOutput('warnings', report.warnings);
    await ctx.writeReport({ checklist: list.source, requested: i.phase, ...report });
    for (const a of collectAnnotations(report)) ctx.annotate(a);
    renderSummary(ctx.summary, report, list.source);

    if (shouldFail(report)) {
      const items = report.phases.flatMap((p) => p.items);
      const blocking = items
        .filter((it) => it.status === 'fail' || (it.status === 'manual' && it.severity === 'block'))
        .map((it) => it.id);
      const warned = items.filter((it) => it.status !== 'pass' && !blocking.includes(it.id)).map((it) => it.id);
      const listed = report.failOn === 'warn' ? [...blocking, ...warned] : blocking;
      throw new ActionError(
        `preflight-check: ${report.failed} blocking item(s) failed, ${report.warnings} warning(s): ${listed.join(', ')} (see the job summary)`,
      );
    }
    ctx.log.info(`preflight-check: ${report.passed} passed, ${report.failed} failed, ${report.warnings} warnings`);
  },
});
