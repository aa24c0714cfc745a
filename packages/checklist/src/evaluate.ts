import { errorMessage, formatLocation } from '@ralph-deploy/common';
import { ChecklistError, type ChecklistItem, type ChecklistPhase, type Checklist } from './checklist/model.js';
import { CHECK_KINDS } from './kinds.js';
import type { Attestation } from './manual.js';
import type { CheckContext, Finding, ItemStatus, Severity } from './types.js';

export interface ItemResult {
  id: string;
  phase: string;
  title: string;
  titleEn?: string;
  group?: string;
  groupEn?: string;
  severity: Severity;
  manual: boolean;
  status: ItemStatus;
  /** One line per observation, with file:line when there is one. */
  evidence: string[];
  /** Findings worth an annotation (failures and warnings). */
  findings: (Finding & { annotation: 'error' | 'warning' })[];
}

export interface PhaseResult {
  name: string;
  title: string;
  titleEn?: string;
  verdict: 'pass' | 'fail' | 'warn';
  items: ItemResult[];
}

export type FailOn = 'block' | 'warn' | 'never';

export interface PreflightReport {
  verdict: 'pass' | 'fail' | 'warn';
  failOn: FailOn;
  /** Items that passed (attested manual items included). */
  passed: number;
  /** Blocking items that failed, or blocking manual items left unattested. */
  failed: number;
  /** Warn-severity failures, warnings, skipped checks and unattested warn-only manual items. */
  warnings: number;
  phases: PhaseResult[];
}

/** Parses every check's parameters before anything runs, so a typo fails fast at its place. */
export function validateChecks(list: Checklist): Map<ChecklistItem, unknown[]> {
  const parsed = new Map<ChecklistItem, unknown[]>();
  for (const phase of list.phases) {
    for (const item of phase.items) {
      parsed.set(
        item,
        item.checks.map((c, i) => {
          const kind = CHECK_KINDS[c.kind];
          const path = [
            ...item.path,
            item.checks.length > 1 ? 'checks' : 'check',
            ...(item.checks.length > 1 ? [i] : []),
          ];
          if (!kind)
            throw new ChecklistError(
              path,
              `item ${item.id}: unknown check kind '${c.kind}' (known: ${Object.keys(CHECK_KINDS).join(', ')})`,
            );
          try {
            return kind.parse(c.params);
          } catch (e: unknown) {
            throw new ChecklistError(path, `item ${item.id}: ${errorMessage(e)}`);
          }
        }),
      );
    }
  }
  return parsed;
}

function describe(f: Finding): string {
  return f.file ? `${formatLocation({ ...f, file: f.file })}: ${f.message}` : f.message;
}

async function evaluateItem(
  item: ChecklistItem,
  phase: string,
  params: unknown[],
  ctx: CheckContext,
  attestation: (id: string) => Attestation | undefined,
): Promise<ItemResult> {
  const base = {
    id: item.id,
    phase,
    title: item.title,
    severity: item.severity,
    manual: item.manual,
    ...(item.titleEn ? { titleEn: item.titleEn } : {}),
    ...(item.group ? { group: item.group } : {}),
    ...(item.groupEn ? { groupEn: item.groupEn } : {}),
  };
  if (item.manual) {
    const a = attestation(item.id);
    if (a) return { ...base, status: 'pass', evidence: [`attested by ${a.by} (${a.how})`], findings: [] };
    return {
      ...base,
      status: 'manual',
      evidence: [`manual item not attested: list "${item.id}" in 'attest' or approve the environment deployment`],
      findings: [],
    };
  }
  const findings: Finding[] = [];
  const skipped: string[] = [];
  for (const [i, check] of item.checks.entries()) {
    const kind = CHECK_KINDS[check.kind];
    if (!kind) continue;
    try {
      const outcome = await kind.run(params[i], ctx);
      if (outcome.skipped !== undefined) skipped.push(`${check.kind}: ${outcome.skipped}`);
      findings.push(...outcome.findings);
    } catch (e: unknown) {
      if (ctx.signal.aborted) throw e;
      findings.push({ level: 'fail', message: `${check.kind} check failed: ${errorMessage(e)}` });
    }
  }
  const evidence = [...new Set([...findings.map(describe), ...skipped.map((s) => `not checked (${s})`)])];
  const annotated = findings
    .filter((f) => f.level !== 'pass')
    .map((f) => ({
      ...f,
      annotation: f.level === 'fail' && item.severity === 'block' ? ('error' as const) : ('warning' as const),
    }));
  let status: ItemStatus;
  if (skipped.length === item.checks.length && findings.length === 0) status = 'skip';
  else if (findings.some((f) => f.level === 'fail')) status = item.severity === 'block' ? 'fail' : 'warn';
  else if (findings.some((f) => f.level === 'warn') || skipped.length > 0) status = 'warn';
  else status = 'pass';
  return { ...base, status, evidence, findings: annotated };
}

function counts(items: ItemResult[]): { passed: number; failed: number; warnings: number } {
  let passed = 0;
  let failed = 0;
  let warnings = 0;
  for (const i of items) {
    if (i.status === 'pass') passed++;
    else if (i.status === 'fail' || (i.status === 'manual' && i.severity === 'block')) failed++;
    else warnings++;
  }
  return { passed, failed, warnings };
}

/** Evaluates the phases' items in order and derives each phase's verdict and the overall one. */
export async function evaluatePhases(
  phases: ChecklistPhase[],
  parsed: Map<ChecklistItem, unknown[]>,
  ctx: CheckContext,
  attestation: (id: string) => Attestation | undefined,
  failOn: FailOn,
): Promise<PreflightReport> {
  const results: PhaseResult[] = [];
  for (const phase of phases) {
    const items: ItemResult[] = [];
    for (const item of phase.items) {
      items.push(
        await ctx.log.group(`${phase.name}: ${item.id}`, () =>
          evaluateItem(item, phase.name, parsed.get(item) ?? [], ctx, attestation),
        ),
      );
    }
    const c = counts(items);
    results.push({
      name: phase.name,
      title: phase.title,
      ...(phase.titleEn ? { titleEn: phase.titleEn } : {}),
      verdict: c.failed > 0 ? 'fail' : c.warnings > 0 ? 'warn' : 'pass',
      items,
    });
  }
  const all = counts(results.flatMap((p) => p.items));
  return { verdict: all.failed > 0 ? 'fail' : all.warnings > 0 ? 'warn' : 'pass', failOn, ...all, phases: results };
}

/** Whether the report should make the step fail under `failOn`. */
export function shouldFail(r: PreflightReport): boolean {
  if (r.failOn === 'never') return false;
  if (r.failOn === 'warn') return r.failed + r.warnings > 0;
  return r.failed > 0;
}
