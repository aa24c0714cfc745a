// The endpoint both load generators measure, in its own process so neither client competes with it
// for the event loop. WORK_MS > 0 adds a uniformly random 0..2*WORK_MS ms of simulated I/O per request.
import { Buffer } from 'node:buffer';
import http from 'node:http';

const workMs = Number(process.env.WORK_MS ?? '0');
const body = JSON.stringify({ status: 'ok' });
const server = http.createServer((req, res) => {
  const reply = () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (workMs > 0) setTimeout(reply, Math.random() * 2 * workMs);
  else reply();
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
