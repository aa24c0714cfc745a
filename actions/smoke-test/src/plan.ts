import { InputError, SourceError, errorMessage, type SourceLocation } from '@ralph-deploy/common';
import { smokeTestInputs } from '@ralph-deploy/config';
import type { InputValues } from '@ralph-deploy/config';
import type { ActionContext } from '@ralph-deploy/action-kit';
import {
  CheckConfigError,
  jsonEquals,
  parseThreshold,
  planChecks,
  readCaFile,
  type CheckSpec,
  type SmokeTestPlan,
  type Threshold,
} from '@ralph-deploy/probe';

type Ctx = ActionContext<typeof smokeTestInputs>;
type Inputs = InputValues<typeof smokeTestInputs>;

/** When the value in use is the spec's (not an explicit input), where it is, for file:line errors. */
export function specLocationFor(
  ctx: Ctx,
  name: keyof Inputs,
  value: unknown,
  path: (string | number)[],
): SourceLocation | undefined {
  const specValue = ctx.section?.[name];
  if (specValue === undefined || !jsonEquals(normalise(specValue), normalise(value))) return undefined;
  return ctx.specLocation([name, ...path]) ?? ctx.specLocation([name]);
}

/** JSON round trip so zod's key order and YAML's do not matter to the comparison. */
function normalise(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? null)) as unknown;
}

function configError(ctx: Ctx, name: keyof Inputs, value: unknown, path: (string | number)[], problem: string): Error {
  const where = specLocationFor(ctx, name, value, path);
  return where ? new SourceError(where, `smoke-test.${name}: ${problem}`) : new InputError(name, problem);
}

/** Turns the action's inputs into a smoke-test plan; every bad value is reported as one line naming it. */
export function planFromInputs(ctx: Ctx, env: Record<string, string | undefined>): SmokeTestPlan {
  const i = ctx.inputs;
  const baseUrl = i['base-url'];
  // A password in the base URL must never reach a log line.
  const password = new URL(baseUrl).password;
  if (password) ctx.log.mask(decodeURIComponent(password));

  let ca: string[] | undefined;
  if (i['ca-file']) {
    try {
      ca = readCaFile(i['ca-file']);
    } catch (e: unknown) {
      throw new InputError('ca-file', errorMessage(e));
    }
  }

  let checks: ReturnType<typeof planChecks>;
  try {
    checks = planChecks(i.checks as CheckSpec[], {
      baseUrl,
      requestTimeoutMs: i['request-timeout'],
      tlsMinDays: i['tls-min-days'],
      env,
      log: ctx.log,
    });
  } catch (e: unknown) {
    if (e instanceof CheckConfigError) throw configError(ctx, 'checks', i.checks, e.path, e.message);
    throw e;
  }

  const thresholds: Threshold[] = i.thresholds.map((text, index) => {
    try {
      return parseThreshold(text);
    } catch (e: unknown) {
      throw configError(ctx, 'thresholds', i.thresholds, [index], errorMessage(e));
    }
  });

  const requests = i.requests ?? (i.duration === undefined ? 200 : undefined);
  const plan: SmokeTestPlan = {
    baseUrl,
    readyPaths: i['ready-paths'],
    readyTimeoutMs: i['ready-timeout'],
    requestTimeoutMs: i['request-timeout'],
    httpChecks: checks.http,
    tlsChecks: checks.tls,
    thresholds,
  };
  if (requests !== 0 && i['sample-paths'].length > 0) {
    plan.sample = {
      paths: i['sample-paths'],
      concurrency: i.concurrency,
      ...(requests !== undefined ? { requests } : {}),
      ...(i.duration !== undefined ? { durationMs: i.duration } : {}),
      ...(i.rate !== undefined ? { rate: i.rate } : {}),
    };
  } else if (thresholds.length > 0) {
    ctx.log.info('SLA sample skipped (requests: 0): thresholds are not evaluated');
    plan.thresholds = [];
  }
  const queries = i['prometheus-queries'];
  if (queries.length > 0) {
    const url = i['prometheus-url'];
    if (!url) throw new InputError('prometheus-url', "is required when 'prometheus-queries' is set");
    const promPassword = new URL(url).password;
    if (promPassword) ctx.log.mask(decodeURIComponent(promPassword));
    plan.prometheus = {
      url,
      allowNoData: i['allow-no-data'],
      gates: queries.map((q) => ({ name: q.name ?? q.query, query: q.query, condition: q.condition })),
    };
  }
  if (ca) plan.ca = ca;
  return plan;
}
