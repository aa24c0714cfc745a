import { ActionError } from '@ralph-deploy/common';
import { runAction } from '@ralph-deploy/action-kit';
import { smokeTestInputs } from '@ralph-deploy/config';
import { runSmokeTest } from '@ralph-deploy/probe';
import { failureAnnotations } from './annotations.js';
import { planFromInputs } from './plan.js';
import { renderPlan, renderReport } from './summary.js';

await runAction({
  name: 'smoke-test',
  inputs: smokeTestInputs,
  main: async (ctx) => {
    const plan = planFromInputs(ctx, process.env);
    if (ctx.dryRun) {
      for (const line of renderPlan(ctx.summary, plan)) ctx.log.info(`would ${line}`);
      return;
    }
    const report = await runSmokeTest(plan, { log: ctx.log, signal: ctx.signal });

    // Outputs first: the deploy workflow reads them even when this step fails.
    ctx.setOutput('passed', report.passed);
    ctx.setOutput('ready-after-seconds', report.ready.ready ? (report.ready.afterMs / 1000).toFixed(3) : '');
    ctx.setOutput('p95-ms', report.sample?.latency ? report.sample.latency.p95.toFixed(3) : '');
    ctx.setOutput('error-rate', report.sample?.errorRate !== undefined ? String(report.sample.errorRate) : '');
    await ctx.writeReport(report);
    renderReport(ctx.summary, report);

    // Stopped by the action timeout or a cancel: say so rather than blaming what was cut short.
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!report.passed) {
      const more = report.failures.length > 1 ? ` (and ${report.failures.length - 1} more)` : '';
      throw new ActionError(`${report.failures[0] ?? 'smoke test failed'}${more}`, {
        annotations: failureAnnotations(ctx, report),
      });
    }
    ctx.log.info(
      `smoke test passed: ${report.checks.length} checks, ${report.thresholds.length} thresholds, ${report.gates.length} gates`,
    );
  },
});
