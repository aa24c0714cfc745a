import { formatDuration } from '@ralph-deploy/common';
import type { MigrateDbResult } from './migrate-db.js';

/** Tables for the job summary, built from a result (the action writes them with its summary API). */
export interface SummaryTable {
  heading: string;
  headers: string[];
  rows: string[][];
}

export function summaryTables(r: MigrateDbResult): SummaryTable[] {
  const tables: SummaryTable[] = [];
  if (r.applied.length > 0) {
    tables.push({
      heading: `Applied ${r.applied.length} migration${r.applied.length > 1 ? 's' : ''}`,
      headers: ['Migration', 'File', 'Transaction', 'Duration', 'Attempts'],
      rows: r.applied.map((a) => [
        a.label,
        `\`${a.file}\``,
        a.mode === 'transaction' ? 'one transaction' : 'none (statement by statement)',
        formatDuration(a.durationMs),
        String(a.attempts),
      ]),
    });
  }
  const showPending = r.command === 'plan' || r.command === 'status' || r.dryRun || r.pending.length > 0;
  if (showPending && r.command !== 'lint') {
    tables.push({
      heading:
        r.command === 'plan' || r.dryRun
          ? `Plan: ${r.pending.length} migration${r.pending.length === 1 ? '' : 's'} would run`
          : `Pending: ${r.pending.length}`,
      headers: ['Migration', 'File', 'Transaction', 'Why'],
      rows: r.pending.map((p) => [
        p.label,
        `\`${p.file}\``,
        p.mode === 'transaction' ? 'one transaction' : 'none (statement by statement)',
        p.note ?? '',
      ]),
    });
  }
  if (r.command === 'status') {
    tables.push({
      heading: 'Status',
      headers: ['Migration', 'Script', 'State', 'Applied at', 'Duration'],
      rows: r.entries.map((e) => [
        e.label,
        `\`${e.script}\``,
        e.state + (e.note ? ` (${e.note})` : ''),
        e.appliedAt ? e.appliedAt.toISOString() : '',
        e.executionMs !== undefined ? formatDuration(e.executionMs) : '',
      ]),
    });
  }
  if (r.repairs.length > 0) {
    tables.push({
      heading: r.dryRun ? 'Repair (dry-run)' : 'Repair',
      headers: ['Action', 'Script', 'Detail'],
      rows: r.repairs.map((x) => [x.action, `\`${x.script}\``, x.detail ?? '']),
    });
  }
  if (r.findings.length > 0) {
    tables.push({
      heading: `Lint: ${r.findings.length} finding${r.findings.length > 1 ? 's' : ''}`,
      headers: ['Level', 'Rule', 'Where', 'Problem', 'Safer alternative'],
      rows: r.findings.map((f) => [f.severity, `\`${f.rule}\``, `\`${f.file}:${f.line}\``, f.message, f.alternative]),
    });
  }
  if (r.problems.length > 0) {
    tables.push({
      heading: 'Validation problems',
      headers: ['File', 'Problem'],
      rows: r.problems.map((p) => [`\`${p.file}${p.line ? `:${p.line}` : ''}\``, p.message]),
    });
  }
  return tables;
}

/** The JSON report (dates as ISO strings; no secrets: the database URL is redacted). */
export function reportData(r: MigrateDbResult): Record<string, unknown> {
  return JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
}
