import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { runAction } from '@ralph-deploy/action-kit';
import {
  ApplyFailed,
  planText,
  provision,
  writeKubeconfig,
  type Infrastructure,
  type ProvisionResult,
} from '@ralph-deploy/cloud';
import { ActionError, InputError } from '@ralph-deploy/common';
import { provisionInputs } from '@ralph-deploy/config';
import { blockedMessage, compactPlan, renderSummary } from './report.js';

await runAction({
  name: 'provision',
  inputs: provisionInputs,
  main: async (ctx) => {
    const infrastructure: Infrastructure | undefined = ctx.inputs.infrastructure;
    if (!infrastructure)
      throw new InputError(
        'infrastructure',
        'required: declare it in the spec (provision.infrastructure) or pass it as YAML',
      );
    const provider = ctx.inputs.provider ?? 'aws';
    const apply = ctx.inputs.apply === true && !ctx.dryRun;
    if (ctx.inputs.apply === true && ctx.dryRun) ctx.log.info('dry-run is set: planning only');
    const kubeconfigPath = kubeconfigTarget(ctx.inputs['write-kubeconfig'], ctx.github.workspace);

    let result: ProvisionResult;
    let failure: unknown;
    try {
      result = await provision({
        provider,
        // configure-aws-credentials exports AWS_REGION: the natural fallback.
        region: ctx.inputs.region ?? (process.env['AWS_REGION'] || process.env['AWS_DEFAULT_REGION'] || undefined),
        environment: ctx.environment || 'default',
        infrastructure,
        apply,
        acknowledgeReplacement: ctx.inputs['acknowledge-replacement'] ?? [],
        timeoutMs: ctx.inputs.timeout ?? 30 * 60_000,
        log: ctx.log,
        signal: ctx.signal,
        exec: (cmd, args, o) =>
          ctx.exec(cmd, args, { ignoreReturnCode: o.ignoreReturnCode, silent: o.silent ?? false }),
      });
    } catch (e: unknown) {
      if (!(e instanceof ApplyFailed)) throw e;
      failure = e;
      result = { ...e.result, kubeconfig: undefined, commands: [] };
    }

    // Outputs and report first: later steps read them even when this step fails.
    ctx.setOutput('plan', JSON.stringify(compactPlan(result.plan)));
    ctx.setOutput('changed', result.changed);
    for (const name of ['cluster-endpoint', 'database-endpoint', 'cache-endpoint', 'backup-bucket'])
      ctx.setOutput(name, result.outputs[name] ?? '');
    if (kubeconfigPath && result.kubeconfig) {
      writeKubeconfig(kubeconfigPath, result.kubeconfig);
      ctx.log.info(`kubeconfig: context ${result.kubeconfig.name} written to ${kubeconfigPath}`);
    } else if (kubeconfigPath) {
      ctx.log.warning('write-kubeconfig: the cluster does not exist yet (plan only?); no kubeconfig written');
    }
    await ctx.writeReport({
      provider,
      environment: ctx.environment || 'default',
      applied: apply,
      changed: result.changed,
      plan: result.plan,
      outputs: result.outputs,
      manual: result.manual,
      commands: result.commands.map((c) => c.join(' ')),
    });
    renderSummary(ctx.summary, result, { apply, provider });
    await ctx.log.group(apply ? 'Plan and results' : 'Plan', async () => ctx.log.info(planText(result.plan)));

    if (failure) throw failure;
    if (result.blocked.length > 0) {
      // One annotation per setting that needs replacement, on its line in the spec when it is there.
      const annotations = result.blocked.flatMap((item) =>
        item.diffs
          .filter((d) => d.mode === 'replace')
          .flatMap((d) => {
            const base = ['infrastructure', ...(item.specPath ?? [])];
            const at =
              ctx.specLocation([...base, d.field]) ?? ctx.specLocation(base) ?? ctx.specLocation(['infrastructure']);
            const message = `${item.key}: ${d.field} is ${JSON.stringify(d.actual)}, desired ${JSON.stringify(d.desired)}: needs a new resource${d.note ? ` (${d.note})` : ''}`;
            return at ? [{ level: 'error' as const, message, ...at, title: 'replacement needed' }] : [];
          }),
      );
      throw new ActionError(blockedMessage(result.blocked), { annotations });
    }
    for (const step of result.manual) ctx.log.warning(`manual step (acknowledged replacement): ${step}`);
  },
});

/** "true" -> $KUBECONFIG (its first file) or ~/.kube/config; "false"/"" -> none; otherwise a path. */
function kubeconfigTarget(value: string | undefined, workspace: string): string | undefined {
  const v = (value ?? '').trim();
  if (v === '' || v.toLowerCase() === 'false') return undefined;
  if (v.toLowerCase() === 'true') {
    const first = (process.env['KUBECONFIG'] ?? '').split(delimiter).find((p) => p !== '');
    return first ?? join(homedir(), '.kube', 'config');
  }
  return isAbsolute(v) ? v : join(workspace, v);
}
