import { startHttp, type TestServer } from './servers.js';

/** Serves /metrics in the Prometheus text format with the values the tests set. */
export async function startMetricsEndpoint(
  initial: Record<string, number>,
): Promise<TestServer & { values: Record<string, number> }> {
  const values = { ...initial };
  const server = await startHttp((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404);
      res.end();
      return;
    }
    const lines = Object.entries(values).flatMap(([name, v]) => {
      const bare = name.replace(/\{.*$/, '');
      return [`# TYPE ${bare} gauge`, `${name} ${Number.isNaN(v) ? 'NaN' : v}`];
    });
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n') + '\n');
  });
  return Object.assign(server, { values });
}
