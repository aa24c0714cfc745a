import { runAction, type ActionContext } from '@ralph-deploy/action-kit';
import { ActionError, InputError, errorMessage } from '@ralph-deploy/common';
import { deployRolloutInputs } from '@ralph-deploy/config';
import {
  createKubeClient,
  runDeploy,
  runRollback,
  runStatus,
  type RolloutReport,
  type RolloutSettings,
} from '@ralph-deploy/kube';
import { GithubDeployment } from './github-deployment.js';
import { writeSummary } from './summary.js';

type Ctx = ActionContext<typeof deployRolloutInputs>;
type Inputs = Ctx['inputs'];

/** An input with a declared default (or required): the kit guarantees a value. */
function need<K extends keyof Inputs>(i: Inputs, name: K): NonNullable<Inputs[K]> {
  const v = i[name];
  if (v === undefined || v === null || v === '') throw new InputError(String(name), 'is required');
  return v as NonNullable<Inputs[K]>;
}

/** After a cancellation or timeout, the rollback gets this long (the kit allows a little more). */
const ROLLBACK_GRACE_MS = 45_000;

/** Checks the inputs that depend on each other, before anything is contacted. */
function validate(ctx: Ctx): void {
  const i = ctx.inputs;
  if (i.mode === 'deploy' && !i.image && (i.manifests ?? []).length === 0) {
    throw new InputError('image', "is required in mode deploy unless 'manifests' is set");
  }
  if (i.mode !== 'deploy') {
    for (const name of ['image', 'manifests', 'images'] as const) {
      const v = i[name];
      if (v !== undefined && (typeof v === 'string' ? v !== '' : Object.keys(v).length > 0))
        ctx.log.warning(`Input '${name}' is ignored in mode ${i.mode}`);
    }
  }
  if ((i['to-revision'] ?? 0) > 0 && i.mode !== 'rollback')
    ctx.log.warning(`Input 'to-revision' is only used in mode rollback`);
  if (i['environment-url'] && !i['github-token'])
    ctx.log.info("environment-url is only shown on the GitHub Deployment, which needs 'github-token'");
}

function actorLine(ctx: Ctx): string {
  const g = ctx.github;
  const parts = [`by ${g.actor}`];
  if (g.sha) parts.push(`commit ${g.sha.slice(0, 12)}`);
  if (g.runUrl) parts.push(`run ${g.runUrl}`);
  return parts.join(', ');
}

function settings(ctx: Ctx): RolloutSettings {
  const i = ctx.inputs;
  const api = createKubeClient({ kubeconfig: i.kubeconfig, context: i.context, log: ctx.log, signal: ctx.signal });
  return {
    api,
    log: ctx.log,
    namespace: need(i, 'namespace'),
    deployment: need(i, 'deployment'),
    signal: ctx.signal,
    timeoutMs: need(i, 'timeout'),
    readyTimeoutMs: need(i, 'ready-timeout'),
    maxRestarts: i['max-restarts'] ?? 2,
    verifyMs: i['verify-duration'] ?? 0,
    ...(i['health-url'] ? { healthUrl: i['health-url'] } : {}),
    autoRollback: i['auto-rollback'] !== false,
    dryRun: ctx.dryRun,
    graceMs: ROLLBACK_GRACE_MS,
    actor: actorLine(ctx),
  };
}

async function run(ctx: Ctx, s: RolloutSettings): Promise<RolloutReport> {
  const i = ctx.inputs;
  switch (i.mode ?? 'deploy') {
    case 'deploy':
      return runDeploy({
        ...s,
        ...(i.container ? { container: i.container } : {}),
        ...(i.image ? { image: i.image } : {}),
        ...(i.images ? { images: i.images } : {}),
        manifests: i.manifests ?? [],
        cwd: ctx.github.workspace,
      });
    case 'rollback':
      return runRollback({ ...s, toRevision: i['to-revision'] ?? 0 });
    case 'status':
      return runStatus(s);
  }
  throw new InputError('mode', `"${String(i.mode)}" is not one of deploy, rollback, status`);
}

function setOutputs(ctx: Ctx, r: RolloutReport): void {
  ctx.setOutput('result', r.result);
  ctx.setOutput('revision', r.revision ?? '');
  ctx.setOutput('previous-revision', r.previousRevision ?? '');
  ctx.setOutput('rolled-back', r.rolledBack);
  ctx.setOutput('detection-seconds', r.detectionSeconds ?? '');
}

await runAction({
  name: 'deploy-rollout',
  inputs: deployRolloutInputs,
  abortGraceMs: ROLLBACK_GRACE_MS + 10_000,
  main: async (ctx) => {
    const i = ctx.inputs;
    validate(ctx);
    const s = settings(ctx);
    const github =
      i['github-token'] && !ctx.dryRun && i.mode !== 'status'
        ? await GithubDeployment.create({
            token: i['github-token'],
            repository: ctx.github.repository,
            ref: ctx.github.sha || ctx.github.ref,
            environment: ctx.environment || 'production',
            ...(i['environment-url'] ? { environmentUrl: i['environment-url'] } : {}),
            ...(ctx.github.runUrl ? { logUrl: ctx.github.runUrl } : {}),
            description: `${i.mode} ${i.namespace}/${i.deployment}${i.image ? ` to ${i.image}` : ''}`,
            apiUrl: ctx.github.apiUrl,
            log: ctx.log,
          })
        : undefined;
    await github?.status('in_progress', `rolling out ${i.namespace}/${i.deployment}`);

    let report: RolloutReport;
    try {
      report = await run(ctx, s);
    } catch (e: unknown) {
      ctx.setOutput('result', 'failed');
      ctx.setOutput('rolled-back', false);
      await github?.status('failure', errorMessage(e));
      throw e;
    }
    setOutputs(ctx, report);
    await ctx.writeReport(report);
    writeSummary(ctx.summary, report);
    const ok = report.result === 'succeeded' || (i.mode === 'rollback' && report.result === 'rolled-back');
    await github?.status(ok && i.mode === 'deploy' ? 'success' : 'failure', report.message);
    if (!ok) throw new ActionError(report.message);
    ctx.log.info(report.message);
  },
});
