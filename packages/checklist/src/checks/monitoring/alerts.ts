import type { Finding } from '../../types.js';
import { loadYamlDocuments } from '../../yaml-source.js';

/** An alert the checklist requires, recognised by the metrics its expression uses (names vary, metrics do not). */
export interface RequiredAlert {
  id: string;
  title: string;
  metrics: string[];
}

/** The guide's three alerts: error rate, memory, long-running task. */
export const GUIDE_ALERTS: RequiredAlert[] = [
  { id: 'error-rate', title: 'error rate', metrics: ['ralph_errors_total'] },
  {
    id: 'memory',
    title: 'memory usage',
    metrics: ['container_memory_working_set_bytes', 'container_memory_usage_bytes'],
  },
  { id: 'long-running-task', title: 'long-running task', metrics: ['ralph_task_duration_seconds'] },
];

export interface AlertRule {
  name: string;
  expr: string;
  for?: string;
  severity?: string;
  file: string;
  line: number;
  column: number;
}

/** The alerting rules of a Prometheus rule file, with where each is written. */
export function readAlertRules(text: string, file: string): AlertRule[] {
  const out: AlertRule[] = [];
  for (const doc of loadYamlDocuments(text, file)) {
    const groups = (doc.value as { groups?: unknown }).groups;
    if (!Array.isArray(groups)) continue;
    groups.forEach((g, gi) => {
      const rules = (g as { rules?: unknown })?.rules;
      if (!Array.isArray(rules)) return;
      rules.forEach((r, ri) => {
        const rule = r as Record<string, unknown>;
        if (typeof rule?.alert !== 'string') return;
        const labels = rule.labels as Record<string, unknown> | undefined;
        out.push({
          name: rule.alert,
          expr: String(rule.expr ?? ''),
          ...(rule.for !== undefined ? { for: String(rule.for) } : {}),
          ...(labels?.severity !== undefined ? { severity: String(labels.severity) } : {}),
          file,
          ...doc.position(['groups', gi, 'rules', ri, 'alert']),
        });
      });
    });
  }
  return out;
}

function usesMetric(expr: string, metric: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_:])${metric}($|[^A-Za-z0-9_:])`).test(expr);
}

/** Each required alert exists; each alert has a `for` and a severity label; known pitfalls are warned about. */
export function checkAlerts(rules: AlertRule[], required: RequiredAlert[]): Finding[] {
  const out: Finding[] = [];
  for (const req of required) {
    const found = rules.find((r) => req.metrics.some((m) => usesMetric(r.expr, m)));
    if (found) out.push({ level: 'pass', message: `${req.title} alert present: ${found.name}` });
    else
      out.push({
        level: 'fail',
        message: `no alert on ${req.title} (an expression using ${req.metrics.join(' or ')})`,
        ...(rules[0] ? { file: rules[0].file } : {}),
      });
  }
  for (const r of rules) {
    const at = { file: r.file, line: r.line, column: r.column };
    if (r.severity === undefined)
      out.push({ level: 'warn', message: `alert ${r.name} has no severity label: routing cannot page on it`, ...at });
    if (usesMetric(r.expr, 'container_memory_usage_bytes')) {
      out.push({
        level: 'warn',
        message: `alert ${r.name} uses container_memory_usage_bytes, which counts reclaimable page cache; the OOM killer acts on container_memory_working_set_bytes`,
        ...at,
      });
    }
  }
  return out;
}
