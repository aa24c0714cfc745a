import { statusMark, type Summary } from '@ralph-deploy/action-kit';
import type { PreflightReport } from '@ralph-deploy/checklist';
import type { Annotation } from '@ralph-deploy/common';

const MAX_EVIDENCE_LINES = 12;

/** One annotation per distinct file:line:message (several items may run the same rule). */
export function collectAnnotations(report: PreflightReport): Annotation[] {
  const seen = new Set<string>();
  const out: Annotation[] = [];
  for (const phase of report.phases) {
    for (const item of phase.items) {
      for (const f of item.findings) {
        if (!f.file) continue;
        const key = `${f.file}:${f.line ?? ''}:${f.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          level: f.annotation,
          message: f.message,
          title: `preflight-check ${item.id}`,
          file: f.file,
          ...(f.line !== undefined ? { line: f.line } : {}),
          ...(f.column !== undefined ? { column: f.column } : {}),
        });
      }
    }
  }
  return out;
}

/** The guide's checklist with a mark and the evidence for each item, phase by phase. */
export function renderSummary(summary: Summary, report: PreflightReport, source: string): void {
  summary.heading(`Preflight check: ${statusMark(report.verdict)}`);
  summary.text(
    `Checklist: \`${source}\` · ${report.passed} passed · ${report.failed} failed · ${report.warnings} warnings · fail-on: ${report.failOn}`,
  );
  summary.table(
    ['Phase', 'Verdict', 'Items'],
    report.phases.map((p) => [
      `${p.title}${p.titleEn ? ` (${p.titleEn})` : ''}`,
      statusMark(p.verdict),
      p.items.length,
    ]),
  );
  for (const phase of report.phases) {
    summary.heading(`${phase.title}${phase.titleEn ? ` — ${phase.titleEn}` : ''}: ${statusMark(phase.verdict)}`, 3);
    summary.checklist(
      phase.items.map((item) => {
        const group = item.group ? `${item.group}${item.groupEn ? ` / ${item.groupEn}` : ''} · ` : '';
        const lines = item.evidence.slice(0, MAX_EVIDENCE_LINES);
        if (item.evidence.length > lines.length)
          lines.push(`… ${item.evidence.length - lines.length} more in the report`);
        return {
          status: item.status,
          title: `${group}**${item.title}**${item.titleEn ? `<br>${item.titleEn}` : ''}<br>\`${item.id}\`${item.severity === 'warn' ? ' (warn)' : ''}`,
          detail: lines.join('\n'),
        };
      }),
    );
  }
}
