import { z } from 'zod';
import { durationSpec, input } from '../inputs.js';

/** A header value: literal text, or `{ env: NAME }` to read a secret from the environment (masked). */
const headerValue = z.union([
  z.string(),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }),
]);
const statusList = z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]);
const stringOrList = z.union([z.string(), z.array(z.string()).min(1)]);

/** An HTTP check: one request, every listed expectation must hold. */
export const httpCheckSchema = z.strictObject({
  type: z.literal('http').optional().describe('Check kind; http is the default.'),
  name: z.string().optional().describe('Shown in the summary; defaults to "METHOD path".'),
  path: z.string().optional().describe('Path (and query) appended to base-url. Default /.'),
  url: z.string().optional().describe('Absolute URL instead of path.'),
  method: z
    .string()
    .regex(/^[A-Za-z]+$/)
    .optional()
    .describe('HTTP method. Default GET.'),
  headers: z
    .record(z.string(), headerValue)
    .optional()
    .describe('Request headers; { env: NAME } reads a secret from the environment.'),
  body: z.string().optional().describe('Request body.'),
  'expect-status': statusList.optional().describe('Accepted status code(s). Default: any 2xx.'),
  'body-contains': stringOrList.optional().describe('Text(s) the response body must contain.'),
  json: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('JSON path -> expected value, e.g. { "$.status": "ok" }.'),
  'max-latency': durationSpec.optional().describe('Slowest acceptable response, e.g. 300ms.'),
  timeout: durationSpec.optional().describe('Request timeout. Default request-timeout.'),
});

/** A TLS check: certificate chain, expiry, HTTP->HTTPS redirect, HSTS. */
export const tlsCheckSchema = z.strictObject({
  type: z.literal('tls'),
  name: z.string().optional().describe('Shown in the summary.'),
  url: z.string().optional().describe('https:// URL whose certificate is checked. Default base-url.'),
  'min-days': z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Days the certificate must still be valid. Default tls-min-days.'),
  redirect: z
    .union([z.boolean(), z.string()])
    .optional()
    .describe('true: http://<host>/ must redirect to https://<host>; a URL: that http:// URL must redirect to https.'),
  hsts: z
    .union([z.boolean(), z.strictObject({ 'min-max-age': z.number().int().min(0) })])
    .optional()
    .describe('Require a Strict-Transport-Security header (default minimum max-age 15552000 s = 180 days).'),
});

export const smokeCheckSchema = z.union([httpCheckSchema, tlsCheckSchema]);
export type HttpCheckSpec = z.infer<typeof httpCheckSchema>;
export type TlsCheckSpec = z.infer<typeof tlsCheckSchema>;
export type SmokeCheckSpec = z.infer<typeof smokeCheckSchema>;

/** A Prometheus gate: an instant query and the condition every returned value must meet. */
export const prometheusQuerySchema = z.strictObject({
  name: z.string().optional().describe('Shown in the summary; defaults to the query.'),
  query: z.string().min(1).describe('PromQL instant query, without the comparison, e.g. rate(ralph_errors_total[5m]).'),
  condition: z
    .string()
    .regex(/^\s*(<=|>=|==|!=|<|>)\s*-?[0-9.]+(e[+-]?[0-9]+)?\s*$/i, 'must be <op> <number>, e.g. "< 0.1"')
    .describe('What every series (or the scalar) must satisfy, e.g. "< 0.1".'),
});
export type PrometheusQuerySpec = z.infer<typeof prometheusQuerySchema>;

/** smoke-test's inputs: the contract shared by action.yml, its README and the spec's `smoke-test` section. */
export const smokeTestInputs = {
  'base-url': input.url({
    description: 'Base URL of the service under test (http or https).',
    required: true,
    protocols: ['http', 'https'],
  }),
  'ready-paths': input.list({
    description: 'Readiness paths tried in order on every attempt until one answers 2xx. Default /ready, then /health.',
    default: ['/ready', '/health'],
  }),
  'ready-timeout': input.duration({
    description:
      'How long to wait for readiness (backoff from 500ms to 5s). Default 5m; the action `timeout` still bounds everything.',
    default: '5m',
  }),
  checks: input.structured(z.array(smokeCheckSchema), {
    description:
      'Checks as a YAML list: HTTP (path, method, headers with { env: NAME } secrets, expect-status, body-contains, json path equals, max-latency) and type: tls (min-days, redirect, hsts). Default none; an https base-url always gets a certificate check.',
    default: [],
  }),
  'request-timeout': input.duration({
    description: 'Timeout of one request (checks and sampling). Default 10s.',
    default: '10s',
  }),
  'ca-file': input.string({ description: 'PEM file of extra CA certificates to trust (internal CAs).' }),
  'sample-paths': input.list({
    description: 'Paths the SLA sample sends GET requests to, round-robin. Default /health.',
    default: ['/health'],
  }),
  requests: input.number({
    description: 'SLA sample size in requests; 0 skips sampling. Default 200 when duration is not set either.',
    integer: true,
    min: 0,
    max: 10_000_000,
  }),
  duration: input.duration({
    description: 'SLA sample length (e.g. 30s); with requests, whichever ends first.',
    max: '1h',
  }),
  concurrency: input.number({
    description: 'Requests in flight at once during the sample. Default 10.',
    default: 10,
    integer: true,
    min: 1,
    max: 1000,
  }),
  rate: input.number({ description: 'Optional cap on requests per second during the sample.', min: 0.001 }),
  thresholds: input.list({
    description:
      'k6-style thresholds on the sample: p(N), avg, med, min, max (ms), count, rate (error rate). Default p(95)<500, rate<0.001.',
    default: ['p(95)<500', 'rate<0.001'],
  }),
  'prometheus-url': input.url({
    description: 'Prometheus base URL for metric gates (its HTTP API /api/v1/query).',
    protocols: ['http', 'https'],
  }),
  'prometheus-queries': input.structured(z.array(prometheusQuerySchema), {
    description:
      'Metric gates as a YAML list of { name, query, condition }, e.g. { query: "rate(ralph_errors_total[5m])", condition: "< 0.1" }.',
    default: [],
  }),
  'allow-no-data': input.boolean({
    description: 'Let a gate with no data or NaN pass (with a warning) instead of failing.',
    default: false,
  }),
  'tls-min-days': input.number({
    description: 'Minimum days before the certificate expires. Default 14.',
    default: 14,
    integer: true,
    min: 0,
  }),
};
