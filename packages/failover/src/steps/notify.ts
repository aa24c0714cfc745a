import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ActionError, errorMessage, formatDuration } from '@ralph-deploy/common';
import type { FailoverStep, Observation, RunContext, TimelineEntry } from '../types.js';

export interface NotifyOptions {
  sns: SNSClient;
  topicArn: string;
  environment: string;
  rtoMs: number;
  /** Where the run can be seen (the workflow run URL), if known. */
  runUrl?: string;
}

/** The notification text: outcome, recovery time against the RTO, and the timeline. */
export function notificationText(
  o: NotifyOptions,
  ctx: RunContext,
  timeline: TimelineEntry[],
): { subject: string; message: string } {
  const seconds = Number(ctx.record.get('recoverySeconds') ?? NaN);
  const recovery = Number.isFinite(seconds) ? formatDuration(seconds * 1000) : 'unknown';
  const verdict = Number.isFinite(seconds) ? (seconds * 1000 <= o.rtoMs ? 'within' : 'OVER') : 'vs';
  const subject =
    `[ralph-deploy] ${o.environment} failed over to standby: recovered in ${recovery} (${verdict} RTO ${formatDuration(o.rtoMs)})`.slice(
      0,
      100,
    );
  const lines = [
    `Failover of ${o.environment} complete.`,
    `Outage confirmed: ${ctx.record.get('startedAt') ?? 'unknown'}`,
    `Standby healthy:  ${ctx.record.get('completedAt') ?? 'unknown'}`,
    `Recovery time:    ${recovery} (${verdict} the RTO of ${formatDuration(o.rtoMs)})`,
    ...(o.runUrl ? [`Run: ${o.runUrl}`] : []),
    '',
    'Timeline (this run):',
    ...timeline
      .filter((e) => e.step !== 'notify')
      .map(
        (e) =>
          `- ${e.title}: ${e.result === 'skipped' ? 'already done' : e.result} | before: ${e.before} | ${e.action} (${formatDuration(e.durationMs)})`,
      ),
  ];
  return { subject, message: lines.join('\n') };
}

/** Step 7: publish the outcome once; a re-run of a finished failover that changed nothing stays quiet. */
export function notify(o: NotifyOptions): FailoverStep {
  const observe = async (ctx: RunContext): Promise<Observation> => {
    const at = ctx.record.get('notifiedAt');
    if (!at) return { done: false, state: 'not notified' };
    if (ctx.changed) return { done: false, state: `notified ${at}, but this run changed something` };
    return { done: true, state: `notified ${at}` };
  };
  let sent = false;
  return {
    id: 'notify',
    title: 'Notify through SNS',
    plan: `publish the timeline and recovery time to ${o.topicArn}`,
    observe,
    async act(ctx) {
      const { subject, message } = notificationText(o, ctx, ctx.timeline);
      let id: string | undefined;
      try {
        const out = await o.sns.send(new PublishCommand({ TopicArn: o.topicArn, Subject: subject, Message: message }), {
          abortSignal: ctx.signal,
        });
        id = out.MessageId;
      } catch (e: unknown) {
        throw new ActionError(`cannot publish to ${o.topicArn}: ${errorMessage(e)}`, { cause: e });
      }
      await ctx.record.set({ notifiedAt: ctx.now().toISOString() });
      sent = true;
      return { action: `published message ${id ?? '(no id)'}` };
    },
    async verify(ctx) {
      return { done: sent, state: `notified ${ctx.record.get('notifiedAt') ?? '?'}` };
    },
  };
}
