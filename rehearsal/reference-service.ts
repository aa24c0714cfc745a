// A small reference service with the guide's contract: GET /health, GET /ready, GET /metrics
// (Prometheus text) and GET /api/v1/status. The rehearsal and the workflow tests probe it for real.
// POST /_control {"errorRate":0.05,"delayMs":0,"ready":true} changes its behaviour at run time.
import { createServer, type Server } from 'node:http';

export interface ReferenceService {
  url: string;
  port: number;
  control(state: Partial<ServiceState>): void;
  stop(): Promise<void>;
}

interface ServiceState {
  ready: boolean;
  errorRate: number;
  delayMs: number;
  version: string;
}

export async function startReferenceService(
  options: { port?: number; version?: string } = {},
): Promise<ReferenceService> {
  const state: ServiceState = { ready: true, errorRate: 0, delayMs: 0, version: options.version ?? 'v1.0.0' };
  const counters = { requests: 0, errors: 0 };
  const started = Date.now();
  let served = 0;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/_control') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        try {
          Object.assign(state, JSON.parse(body || '{}'));
          res.writeHead(204).end();
        } catch {
          res.writeHead(400).end('invalid JSON');
        }
      });
      return;
    }
    const respond = () => {
      counters.requests++;
      served++;
      // Deterministic error injection: every Nth request fails, so a 1 % rate is exactly 1 %.
      const every = state.errorRate > 0 ? Math.round(1 / state.errorRate) : 0;
      if (url.pathname !== '/metrics' && every > 0 && served % every === 0) {
        counters.errors++;
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"status":"error"}');
        return;
      }
      switch (url.pathname) {
        case '/health':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              status: 'healthy',
              checks: { database: true, redis: true, disk: true, memory: true },
              version: state.version,
            }),
          );
          return;
        case '/ready':
          res.writeHead(state.ready ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ready: state.ready }));
          return;
        case '/api/v1/status':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ version: state.version, uptimeSeconds: Math.round((Date.now() - started) / 1000) }));
          return;
        case '/metrics':
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(
            [
              '# HELP ralph_requests_total Requests served.',
              '# TYPE ralph_requests_total counter',
              `ralph_requests_total ${counters.requests}`,
              '# HELP ralph_errors_total Requests answered with an error.',
              '# TYPE ralph_errors_total counter',
              `ralph_errors_total ${counters.errors}`,
              '',
            ].join('\n'),
          );
          return;
        default:
          res.writeHead(404).end('not found');
      }
    };
    if (state.delayMs > 0) setTimeout(respond, state.delayMs);
    else respond();
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    control: (s) => Object.assign(state, s),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
