import type { Summary, CheckStatus } from '@ralph-deploy/action-kit';
import type { SmokeReport, SmokeTestPlan } from '@ralph-deploy/probe';

const ms = (n: number | undefined) => (n === undefined ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(2));
const pct = (r: number | undefined) => (r === undefined ? '-' : `${(r * 100).toFixed(3)}%`);

/** The job summary: checks with pass/fail, the latency distribution, thresholds, Prometheus gates. */
export function renderReport(summary: Summary, report: SmokeReport): void {
  summary.heading(`Smoke test ${report.passed ? 'passed' : 'failed'}: ${report.baseUrl}`);
  summary.checklist(
    report.checks.map((c) => ({
      status: (c.passed ? 'pass' : 'fail') as CheckStatus,
      title: c.name,
      detail: c.detail,
    })),
  );

  const s = report.sample;
  if (s) {
    summary.heading('SLA sample', 3);
    summary.text(
      `${s.sent} requests in ${(s.durationMs / 1000).toFixed(1)} s (${s.throughput.toFixed(1)} req/s), ` +
        `${s.errors} errors (error rate ${pct(s.errorRate)}: ${s.errorsByKind.status} unexpected status, ${s.errorsByKind.timeout} timeouts, ${s.errorsByKind.connection} connection errors)`,
    );
    if (s.latency) {
      summary.table(
        ['Latency', 'min', 'p50', 'p90', 'p95', 'p99', 'max', 'avg'],
        [
          [
            'ms',
            ms(s.latency.min),
            ms(s.latency.p50),
            ms(s.latency.p90),
            ms(s.latency.p95),
            ms(s.latency.p99),
            ms(s.latency.max),
            ms(s.latency.avg),
          ],
        ],
      );
      summary.table(
        ['Percentile', 'Latency (ms)'],
        s.distribution.map((d) => [`p(${d.percentile})`, ms(d.ms)]),
      );
    }
    const statuses = Object.entries(s.statusCounts);
    if (statuses.length > 0) summary.text(`Status codes: ${statuses.map(([k, v]) => `${k} × ${v}`).join(', ')}`);
    if (s.sampleErrors.length > 0) summary.list(s.sampleErrors.map((e) => `\`${e}\``));
  }
  if (report.thresholds.length > 0) {
    summary.heading('Thresholds', 3);
    summary.checklist(
      report.thresholds.map((t) => ({
        status: (t.passed ? 'pass' : 'fail') as CheckStatus,
        title: t.threshold,
        detail:
          t.measured !== undefined
            ? `measured ${round(t.measured)}${t.reason ? `: ${t.reason}` : ''}`
            : (t.reason ?? ''),
      })),
    );
  }
  if (report.gates.length > 0) {
    summary.heading('Prometheus gates', 3);
    summary.table(
      ['Status', 'Gate', 'Query', 'Condition', 'Result'],
      report.gates.map((g) => [
        g.passed
          ? g.verdict === 'no-data'
            ? '⚠️ no data'
            : '✅ pass'
          : g.verdict === 'no-data'
            ? '❌ no data'
            : '❌ fail',
        g.name,
        `\`${g.query}\``,
        g.condition,
        g.detail,
      ]),
    );
  }
}

function round(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(1) : String(Math.round(n * 10000) / 10000);
}

/** What a dry run would do. */
export function renderPlan(summary: Summary, plan: SmokeTestPlan): string[] {
  const lines = [
    `wait for ${plan.readyPaths.join(' or ')} (up to ${plan.readyTimeoutMs / 1000} s)`,
    ...plan.tlsChecks.map(
      (t) =>
        `TLS check ${t.name} (min ${t.minDays} days${t.redirectFrom ? ', redirect' : ''}${t.hstsMinMaxAge !== undefined ? ', HSTS' : ''})`,
    ),
    ...plan.httpChecks.map((c) => `HTTP check ${c.name}`),
    plan.sample
      ? `SLA sample of ${plan.sample.paths.join(', ')}: ${plan.sample.requests !== undefined ? `${plan.sample.requests} requests` : ''}${plan.sample.durationMs !== undefined ? ` for ${plan.sample.durationMs / 1000} s` : ''}, concurrency ${plan.sample.concurrency}${plan.sample.rate ? `, ${plan.sample.rate} req/s` : ''}; thresholds ${plan.thresholds.map((t) => t.source).join(', ') || 'none'}`
      : 'no SLA sample',
    ...(plan.prometheus?.gates.map((g) => `Prometheus gate ${g.name}: ${g.query} ${g.condition}`) ?? []),
  ];
  summary.heading('Smoke test plan (dry run: no request sent)');
  summary.list(lines);
  return lines;
}
