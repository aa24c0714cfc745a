import type { Annotation } from '@ralph-deploy/common';
import type { ActionContext } from '@ralph-deploy/action-kit';
import type { smokeTestInputs } from '@ralph-deploy/config';
import type { SmokeReport } from '@ralph-deploy/probe';
import { specLocationFor } from './plan.js';

/**
 * Error annotations on the spec file for each failed check, threshold and gate that the spec
 * defined, so the failure shows next to the line that asked for it. Values given as action inputs
 * have no file to point at; the failure line and the summary cover them.
 */
export function failureAnnotations(ctx: ActionContext<typeof smokeTestInputs>, report: SmokeReport): Annotation[] {
  const out: Annotation[] = [];
  const add = (name: 'checks' | 'thresholds' | 'prometheus-queries', index: number, message: string) => {
    const where = specLocationFor(ctx, name, ctx.inputs[name], [index]);
    if (where) out.push({ level: 'error', title: 'smoke-test', message, ...where });
  };
  for (const c of report.checks)
    if (!c.passed && c.index !== undefined) add('checks', c.index, `${c.name}: ${c.detail}`);
  report.thresholds.forEach((t, i) => {
    if (!t.passed) add('thresholds', i, `threshold ${t.threshold} failed: ${t.reason ?? ''}`);
  });
  report.gates.forEach((g, i) => {
    if (!g.passed) add('prometheus-queries', i, `${g.name}: ${g.detail}`);
  });
  return out;
}
