import { show } from './engine.js';
import type { FieldDiff, PlanItem } from './types.js';

function describeDiff(d: FieldDiff): string {
  const tag =
    d.mode === 'replace' ? ' [needs replacement]' : d.mode === 'manual' ? ' [drift, not changed automatically]' : '';
  return `${d.field}: desired ${show(d.desired)}, actual ${show(d.actual)}${tag}${d.note ? ` (${d.note})` : ''}`;
}

/** The details column: what a create sets, or each drifting setting with desired vs actual. */
export function planDetails(item: PlanItem): string {
  if (item.action === 'create') return item.summary ?? '';
  const parts = item.diffs.map(describeDiff);
  if (item.acknowledged) parts.push('replacement acknowledged: left for manual action');
  if (item.error) parts.push(`error: ${item.error}`);
  return parts.join('; ');
}

export const PLAN_HEADERS = ['Resource', 'Action', 'Result', 'Details'];

export function planRows(plan: PlanItem[]): string[][] {
  return plan.map((i) => [i.key, i.action, i.result ?? '-', planDetails(i)]);
}

/** A plain-text table for the log. */
export function planText(plan: PlanItem[]): string {
  const rows = [PLAN_HEADERS, ...planRows(plan)];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < 3 ? cell.padEnd(widths[c] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function planCounts(plan: PlanItem[]): Record<string, number> {
  const counts: Record<string, number> = { create: 0, update: 0, 'no-change': 0, 'replace-needed': 0 };
  for (const i of plan) counts[i.action] = (counts[i.action] ?? 0) + 1;
  return counts;
}
