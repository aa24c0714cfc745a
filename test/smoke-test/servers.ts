import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  url: string;
  port: number;
  /** Requests received so far. */
  requests: () => number;
  close(): Promise<void>;
}

async function listen(server: http.Server, scheme: 'http' | 'https', count: () => number): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    requests: count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A real HTTP server on loopback. */
export function startHttp(handler: Handler): Promise<TestServer> {
  let n = 0;
  const server = http.createServer((req, res) => {
    n++;
    handler(req, res);
  });
  return listen(server, 'http', () => n);
}

/** A real HTTPS server on loopback with the given certificate. */
export function startHttps(tls: { key: string; cert: string }, handler: Handler): Promise<TestServer> {
  let n = 0;
  const server = https.createServer(tls, (req, res) => {
    n++;
    handler(req, res);
  });
  return listen(server, 'https', () => n);
}

export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
