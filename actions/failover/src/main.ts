import { runAction, type ActionContext } from '@ralph-deploy/action-kit';
import { ActionError, InputError } from '@ralph-deploy/common';
import { failoverInputs } from '@ralph-deploy/config';
import {
  TIMELINE_HEADERS,
  kubeStandbyCluster,
  recoveryLine,
  runFailover,
  timelineRows,
  type FailoverOptions,
  type FailoverResult,
} from '@ralph-deploy/failover';

type Ctx = ActionContext<typeof failoverInputs>;
type Inputs = Ctx['inputs'];

/** An input that has a declared default or is required: the kit guarantees a value. */
function need<K extends keyof Inputs>(i: Inputs, name: K): NonNullable<Inputs[K]> {
  const v = i[name];
  if (v === undefined || v === null || v === '') throw new InputError(String(name), 'is required');
  return v as NonNullable<Inputs[K]>;
}

/** Checks the inputs that depend on each other; each error names the input to fix. */
function validate(ctx: Ctx): string {
  const i = ctx.inputs;
  const environment = ctx.environment;
  if (!ctx.dryRun) {
    if (!environment)
      throw new InputError(
        'environment',
        "is required: the failover is confirmed by typing the environment's name into 'confirm'",
      );
    if ((i.confirm ?? '') !== environment) {
      throw new InputError(
        'confirm',
        `must equal the environment name to fail over: type "${environment}" (nothing was changed)`,
      );
    }
  }
  if (!i.force && !i['primary-health-url'])
    throw new InputError('primary-health-url', "is required unless 'force' is true");
  if (i['record-type'] !== 'CNAME' && !i['standby-target-zone-id']) {
    throw new InputError(
      'standby-target-zone-id',
      `is required for a ${i['record-type']} record (an alias to 'standby-target')`,
    );
  }
  return environment || '(no environment)';
}

function options(ctx: Ctx, environment: string): FailoverOptions {
  const i = ctx.inputs;
  const o: FailoverOptions = {
    environment,
    dryRun: ctx.dryRun,
    force: i.force === true,
    primary: {
      failureThreshold: need(i, 'failure-threshold'),
      probeIntervalMs: need(i, 'probe-interval'),
      probeTimeoutMs: need(i, 'probe-timeout'),
    },
    replica: { instanceId: need(i, 'replica-db-instance'), timeoutMs: need(i, 'promote-timeout') },
    dns: {
      zoneId: need(i, 'hosted-zone-id'),
      name: need(i, 'record-name'),
      type: need(i, 'record-type'),
      target: need(i, 'standby-target'),
      ttl: need(i, 'record-ttl'),
      timeoutMs: need(i, 'dns-timeout'),
    },
    standby: {
      namespace: need(i, 'standby-namespace'),
      deployment: need(i, 'standby-deployment'),
      replicas: need(i, 'standby-replicas'),
      timeoutMs: need(i, 'rollout-timeout'),
      healthUrl: need(i, 'standby-health-url'),
      smokeTimeoutMs: need(i, 'smoke-timeout'),
      cluster: kubeStandbyCluster({
        ...(i.kubeconfig ? { kubeconfig: i.kubeconfig } : {}),
        ...(i['standby-context'] ? { context: i['standby-context'] } : {}),
        log: ctx.log,
        signal: ctx.signal,
      }),
    },
    notify: {
      topicArn: need(i, 'sns-topic-arn'),
      rtoMs: need(i, 'rto'),
      ...(ctx.github.runUrl ? { runUrl: ctx.github.runUrl } : {}),
    },
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
  const title = ctx.dryRun
    ? `Failover plan for ${environment}`
    : r.failedOver
      ? `Failover of ${environment}: complete`
      : `Failover of ${environment}: NOT complete`;
  ctx.summary.heading(title).text(recoveryLine(r)).table(TIMELINE_HEADERS, timelineRows(r));
  if (r.skipped.length > 0 && !ctx.dryRun)
    ctx.summary.text(`Skipped, their goal already held: ${r.skipped.join(', ')}.`);
  const warnings = r.timeline.flatMap((e) => e.warnings.map((w) => `${e.title}: ${w}`));
  if (warnings.length > 0) ctx.summary.heading('Warnings', 3).list(warnings);
  // Step warnings were already logged as ::warning:: annotations while the steps ran.
  if (r.recoverySeconds !== undefined && r.recoverySeconds > r.rtoSeconds) {
    ctx.log.warning(`Over the RTO: ${recoveryLine(r)}`);
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
