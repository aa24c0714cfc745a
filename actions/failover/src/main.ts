import { runAction, type ActionContext } from '@ralph-deploy/action-kit';
import { ActionError, InputError } from '@ralph-deploy/common';
import { failoverInputs } from '@ralph-deploy/config';
import { TIMELINE_HEADERS, kubeStandbyCluster, recoveryLine, runFailover, timelineRows, type FailoverOptions, type FailoverResult } from '@ralph-deploy/failover';

type Ctx = ActionContext<typeof failoverInputs>;

/** Checks the inputs that depend on each other; each error names the input to fix. */
function validate(ctx: Ctx): string {
  const i = ctx.inputs;
  const environment = ctx.environment;
  if (!ctx.dryRun) {
    if (!environment) throw new InputError('environment', "is required: the failover is confirmed by typing the environment's name into 'confirm'");
    if ((i.confirm ?? '') !== environment) {
      throw new InputError('confirm', `must equal the environment name to fail over: type "${environment}" (nothing was changed)`);
    }
  }
  if (!i.force && !i['primary-health-url']) throw new InputError('primary-health-url', "is required unless 'force' is true");
  if (i['record-type'] !== 'CNAME' && !i['standby-target-zone-id']) {
    throw new InputError('standby-target-zone-id', `is required for a ${i['record-type']} record (an alias to 'standby-target')`);
  }
  return environment || '(no environment)';
}

function options(ctx: Ctx, environment: string): FailoverOptions {
  const i = ctx.inputs;
  const o: FailoverOptions = {
    environment,
    dryRun: ctx.dryRun,
    force: i.force,
    primary: { failureThreshold: i['failure-threshold'], probeIntervalMs: i['probe-interval'], probeTimeoutMs: i['probe-timeout'] },
    replica: { instanceId: i['replica-db-instance'], timeoutMs: i['promote-timeout'] },
    dns: {
      zoneId: i['hosted-zone-id'],
      name: i['record-name'],
      type: i['record-type'],
      target: i['standby-target'],
      ttl: i['record-ttl'],
      timeoutMs: i['dns-timeout'],
    },
    standby: {
      namespace: i['standby-namespace'],
      deployment: i['standby-deployment'],
      replicas: i['standby-replicas'],
      timeoutMs: i['rollout-timeout'],
      healthUrl: i['standby-health-url'],
      smokeTimeoutMs: i['smoke-timeout'],
      cluster: kubeStandbyCluster({
        ...(i.kubeconfig ? { kubeconfig: i.kubeconfig } : {}),
        ...(i['standby-context'] ? { context: i['standby-context'] } : {}),
        log: ctx.log,
        signal: ctx.signal,
      }),
    },
    notify: { topicArn: i['sns-topic-arn'], rtoMs: i.rto, ...(ctx.github.runUrl ? { runUrl: ctx.github.runUrl } : {}) },
    log: ctx.log,
    signal: ctx.signal,
  };
  if (i['primary-health-url']) o.primary.healthUrl = i['primary-health-url'];
  if (i['primary-database-url']) o.primary.databaseUrl = i['primary-database-url'];
  if (i['aws-region']) o.replica.region = i['aws-region'];
  if (i['standby-target-zone-id']) o.dns.aliasZoneId = i['standby-target-zone-id'];
  return o;
}

function report(ctx: Ctx, r: FailoverResult, environment: string): void {
  const title = ctx.dryRun ? `Failover plan for ${environment}` : r.failedOver ? `Failover of ${environment}: complete` : `Failover of ${environment}: NOT complete`;
  ctx.summary.heading(title).text(recoveryLine(r)).table(TIMELINE_HEADERS, timelineRows(r));
  if (r.skipped.length > 0 && !ctx.dryRun) ctx.summary.text(`Already done before this run (skipped): ${r.skipped.join(', ')}.`);
  const warnings = r.timeline.flatMap((e) => e.warnings.map((w) => `${e.title}: ${w}`));
  if (warnings.length > 0) ctx.summary.heading('Warnings', 3).list(warnings);
  for (const w of warnings) ctx.annotate({ level: 'warning', message: w, title: 'failover' });
  if (r.recoverySeconds !== undefined && r.recoverySeconds > r.rtoSeconds) {
    ctx.annotate({ level: 'warning', message: recoveryLine(r), title: 'Recovery time over the RTO' });
  }
}

await runAction({
  name: 'failover',
  inputs: failoverInputs,
  main: async (ctx) => {
    const environment = validate(ctx);
    const result = await runFailover(options(ctx, environment));
    ctx.setOutput('failed-over', result.failedOver);
    ctx.setOutput('recovery-seconds', result.recoverySeconds ?? '');
    ctx.setOutput('timeline', JSON.stringify(result.timeline));
    await ctx.writeReport({ environment, dryRun: ctx.dryRun, ...result, error: result.error?.message });
    report(ctx, result, environment);
    if (result.error) throw result.error;
    if (!ctx.dryRun && !result.failedOver) throw new ActionError('the failover did not complete');
  },
});
