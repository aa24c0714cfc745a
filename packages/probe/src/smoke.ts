import { redactUrl, type Logger } from '@ralph-deploy/common';
import { waitUntilReady, type WaitUntilReadyResult } from './http.js';
import { runHttpCheck, type CheckOutcome, type HttpCheck } from './http-check.js';
import { runTlsCheck, type TlsCheck } from './tls-check.js';
import { joinUrl } from './plan.js';
import { evaluateGates, type GateResult, type PrometheusGate } from './prometheus.js';
import { sampleLatency, type SampleSummary } from './sampler.js';
import { evaluateThreshold, type Threshold, type ThresholdResult } from './thresholds.js';

type Ca = string | Buffer | (string | Buffer)[];

export interface SmokeTestPlan {
  baseUrl: string;
  readyPaths: string[];
  readyTimeoutMs: number;
  requestTimeoutMs: number;
  httpChecks: HttpCheck[];
  tlsChecks: TlsCheck[];
  /** undefined: no SLA sample (thresholds are then not evaluated either). */
  sample?: { paths: string[]; requests?: number; durationMs?: number; concurrency: number; rate?: number };
  thresholds: Threshold[];
  prometheus?: { url: string; gates: PrometheusGate[]; allowNoData: boolean };
  ca?: Ca;
}

export interface SmokeReport {
  passed: boolean;
  baseUrl: string;
  ready: WaitUntilReadyResult;
  checks: CheckOutcome[];
  sample?: SampleSummary;
  thresholds: ThresholdResult[];
  gates: GateResult[];
  /** One line per failure, for the error message and annotations. */
  failures: string[];
}

/**
 * The smoke test, in order: wait for readiness, run the checks, sample latency and judge the
 * thresholds, then the Prometheus gates. Everything runs even after a failure (except when the
 * service never became ready), so one run reports every problem.
 */
export async function runSmokeTest(
  plan: SmokeTestPlan,
  deps: { log: Logger; signal?: AbortSignal },
): Promise<SmokeReport> {
  const { log, signal } = deps;
  const opt = { ...(plan.ca !== undefined ? { ca: plan.ca } : {}), ...(signal ? { signal } : {}) };
  const report: SmokeReport = {
    passed: false,
    baseUrl: redactUrl(plan.baseUrl),
    ready: { ready: false, afterMs: 0, attempts: 0 },
    checks: [],
    thresholds: [],
    gates: [],
    failures: [],
  };

  const readyUrls = plan.readyPaths.map((p) => joinUrl(plan.baseUrl, p));
  report.ready = await log.group(`Waiting for ${readyUrls.map(redactUrl).join(' or ')}`, () =>
    waitUntilReady({
      urls: readyUrls,
      timeoutMs: plan.readyTimeoutMs,
      log,
      request: { timeoutMs: plan.requestTimeoutMs, ...(plan.ca !== undefined ? { ca: plan.ca } : {}) },
      ...(signal ? { signal } : {}),
    }),
  );
  const readyRow: CheckOutcome = {
    name: `ready (${plan.readyPaths.join(' or ')})`,
    kind: 'ready',
    passed: report.ready.ready,
    detail: report.ready.ready
      ? `${redactUrl(report.ready.url ?? '')} ready after ${(report.ready.afterMs / 1000).toFixed(1)} s (${report.ready.attempts} attempts)`
      : `not ready after ${(report.ready.afterMs / 1000).toFixed(1)} s (${report.ready.attempts} attempts): ${report.ready.lastError ?? 'no answer'}`,
    failures: [],
  };
  if (!report.ready.ready) readyRow.failures.push(readyRow.detail);
  report.checks.push(readyRow);
  if (!report.ready.ready) {
    report.failures.push(`service not ready: ${readyRow.detail}`);
    return report;
  }

  await log.group('Checks', async () => {
    for (const check of plan.tlsChecks) report.checks.push(...(await runTlsCheck(check, opt)));
    for (const check of plan.httpChecks) report.checks.push(await runHttpCheck(check, opt));
    for (const c of report.checks) log.info(`${c.passed ? 'pass' : 'FAIL'}  ${c.name}: ${c.detail}`);
  });
  for (const c of report.checks) if (!c.passed) report.failures.push(`check "${c.name}" failed: ${c.detail}`);

  if (plan.sample) {
    const s = plan.sample;
    const { summary, metrics } = await log.group(`SLA sample of ${s.paths.join(', ')}`, () =>
      sampleLatency({
        urls: s.paths.map((p) => joinUrl(plan.baseUrl, p)),
        concurrency: s.concurrency,
        timeoutMs: plan.requestTimeoutMs,
        log,
        ...(s.requests !== undefined ? { requests: s.requests } : {}),
        ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
        ...(s.rate !== undefined ? { rate: s.rate } : {}),
        ...opt,
      }),
    );
    report.sample = summary;
    report.thresholds = plan.thresholds.map((t) => evaluateThreshold(t, metrics));
    for (const t of report.thresholds) {
      log.info(
        `${t.passed ? 'pass' : 'FAIL'}  threshold ${t.threshold}${t.measured !== undefined ? ` (measured ${t.measured})` : ''}`,
      );
      if (!t.passed) report.failures.push(`threshold ${t.threshold} failed: ${t.reason ?? ''}`);
    }
  }

  if (plan.prometheus && plan.prometheus.gates.length > 0) {
    const p = plan.prometheus;
    report.gates = await log.group(`Prometheus gates (${redactUrl(p.url)})`, () =>
      evaluateGates({
        prometheusUrl: p.url,
        gates: p.gates,
        allowNoData: p.allowNoData,
        timeoutMs: plan.requestTimeoutMs,
        ...opt,
      }),
    );
    for (const g of report.gates) {
      if (g.verdict === 'no-data' && g.passed) log.warning(`Prometheus gate "${g.name}": ${g.detail}`);
      else log.info(`${g.passed ? 'pass' : 'FAIL'}  gate ${g.name}: ${g.detail}`);
      if (!g.passed)
        report.failures.push(
          `Prometheus gate "${g.name}" ${g.verdict === 'no-data' ? 'inconclusive' : 'failed'}: ${g.detail}`,
        );
    }
  }
  report.passed = report.failures.length === 0;
  return report;
}
