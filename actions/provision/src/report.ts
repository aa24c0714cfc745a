import type { Summary } from '@ralph-deploy/action-kit';
import {
  PLAN_HEADERS,
  planCounts,
  planRows,
  planDetails,
  type PlanItem,
  type ProvisionResult,
} from '@ralph-deploy/cloud';

/** The plan as the `plan` output: one entry per resource with its drift. */
export function compactPlan(plan: PlanItem[]) {
  return plan.map((i) => ({
    resource: i.key,
    action: i.action,
    ...(i.result ? { result: i.result } : {}),
    ...(i.diffs.length > 0
      ? { drift: i.diffs.map((d) => ({ field: d.field, desired: d.desired, actual: d.actual, mode: d.mode })) }
      : {}),
  }));
}

export function blockedMessage(blocked: PlanItem[]): string {
  const what = blocked.map((i) => `${i.key} (${planDetails(i)})`).join('; ');
  return `replacement needed, nothing was changed: ${what}. provision never destroys: replace by hand, or list the resource in 'acknowledge-replacement' to proceed with the rest`;
}

export function renderSummary(
  summary: Summary,
  result: ProvisionResult,
  o: { apply: boolean; provider: string },
): void {
  const c = planCounts(result.plan);
  summary.heading(`provision (${o.provider}): ${o.apply ? (result.changed ? 'applied' : 'no changes') : 'plan'}`);
  summary.text(
    `${c['create']} to create, ${c['update']} to update, ${c['no-change']} unchanged, ${c['replace-needed']} need replacement` +
      (o.apply ? '' : ' — plan only: set `apply: true` to execute it.'),
  );
  summary.table(PLAN_HEADERS, planRows(result.plan));
  if (result.manual.length > 0) summary.heading('Manual steps (acknowledged replacements)', 3).list(result.manual);
  const outputs = Object.entries(result.outputs);
  if (outputs.length > 0) summary.table(['Output', 'Value'], outputs);
  if (result.commands.length > 0)
    summary.details('gcloud commands run', '```\n' + result.commands.map((c) => c.join(' ')).join('\n') + '\n```');
}
