import { createServer, request, type Server } from 'node:http';

/**
 * A loopback HTTP proxy in front of moto that answers every UploadPart of one part number with a
 * 500, so a multipart upload fails in the middle the way a flaky S3 would.
 */
export async function startFaultProxy(
  target: string,
  failPartNumber: number,
): Promise<{ url: string; failedAttempts: () => number; stop(): Promise<void> }> {
  const upstream = new URL(target);
  let failed = 0;
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://proxy');
    if (req.method === 'PUT' && u.searchParams.get('partNumber') === String(failPartNumber)) {
      failed++;
      req.resume();
      req.on('end', () => {
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected failure</Message></Error>',
        );
      });
      return;
    }
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    failedAttempts: () => failed,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
