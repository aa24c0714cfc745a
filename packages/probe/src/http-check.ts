import { probeHttp, statusMatches } from './http.js';
import { JsonPathError, jsonEquals, selectJsonPath } from './json-path.js';

/** One HTTP request and the expectations its response must meet. Header values are already resolved. */
export interface HttpCheck {
  name: string;
  /** Position in the `checks` list it came from, to point annotations at it. */
  index?: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Default: any 2xx. */
  expectStatus?: number[];
  bodyContains: string[];
  /** JSON path -> expected value. */
  json: Record<string, unknown>;
  maxLatencyMs?: number;
  timeoutMs: number;
}

export interface CheckOutcome {
  name: string;
  kind: 'http' | 'tls' | 'ready';
  passed: boolean;
  /** What was verified and, on failure, every expectation that did not hold. */
  detail: string;
  failures: string[];
  latencyMs?: number;
  status?: number;
  /** Position of the check in the `checks` list, when it came from there. */
  index?: number;
}

const SHOWN_BODY_CHARS = 120;

/** Runs one HTTP check and judges every expectation, reporting all failures rather than the first. */
export async function runHttpCheck(
  check: HttpCheck,
  opts: { ca?: string | Buffer | (string | Buffer)[]; signal?: AbortSignal } = {},
): Promise<CheckOutcome> {
  const r = await probeHttp({
    url: check.url,
    method: check.method,
    headers: check.headers,
    ...(check.body !== undefined ? { body: check.body } : {}),
    timeoutMs: check.timeoutMs,
    ...(check.expectStatus ? { expectStatus: check.expectStatus } : {}),
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const base = {
    name: check.name,
    kind: 'http' as const,
    latencyMs: r.latencyMs,
    ...(check.index !== undefined ? { index: check.index } : {}),
  };
  if (r.status === undefined) {
    const error = r.error ?? 'no response';
    return { ...base, passed: false, detail: error, failures: [error] };
  }
  const failures: string[] = [];
  if (!statusMatches(r.status, check.expectStatus)) {
    failures.push(`status ${r.status}, expected ${check.expectStatus ? check.expectStatus.join(' or ') : '2xx'}`);
  }
  const body = r.body ?? '';
  for (const text of check.bodyContains) {
    if (!body.includes(text))
      failures.push(
        `body does not contain ${JSON.stringify(text)} (body starts ${JSON.stringify(body.slice(0, SHOWN_BODY_CHARS))})`,
      );
  }
  const paths = Object.entries(check.json);
  if (paths.length > 0) failures.push(...judgeJson(body, paths));
  if (check.maxLatencyMs !== undefined && r.latencyMs > check.maxLatencyMs) {
    failures.push(`took ${Math.round(r.latencyMs)} ms, more than ${check.maxLatencyMs} ms`);
  }
  const detail = failures.length > 0 ? failures.join('; ') : `${r.status} in ${Math.round(r.latencyMs)} ms`;
  return { ...base, status: r.status, passed: failures.length === 0, detail, failures };
}

function judgeJson(body: string, paths: [string, unknown][]): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return [`body is not JSON (starts ${JSON.stringify(body.slice(0, SHOWN_BODY_CHARS))})`];
  }
  const failures: string[] = [];
  for (const [path, expected] of paths) {
    try {
      const found = selectJsonPath(doc, path);
      if (!found.found) failures.push(`${path} is missing`);
      else if (!jsonEquals(found.value, expected))
        failures.push(`${path} is ${JSON.stringify(found.value)}, expected ${JSON.stringify(expected)}`);
    } catch (e: unknown) {
      failures.push(e instanceof JsonPathError ? e.message : String(e));
    }
  }
  return failures;
}
