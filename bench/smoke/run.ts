/**
 * Compares the smoke-test SLA sampler with autocannon against the same local endpoint, in one run.
 * Usage: pnpm exec tsx bench/smoke/run.ts [--seconds 5] [--connections 10]
 * Targets: sampler p95 within 10 % of autocannon's; sampler throughput >= 70 % of autocannon's.
 * autocannon does not report p95, so its per-response times (its own measurement, from its
 * 'response' events) are recorded into the same kind of HDR histogram the sampler uses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { LatencyHistogram, sampleLatency } from '../../packages/probe/src/index.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '10' } },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);

async function startServer(workMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], {
    env: { ...process.env, WORK_MS: String(workMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}/health`, child };
}

async function runAutocannon(
  url: string,
  durationSec: number,
): Promise<{ p95: number; throughput: number; errors: number }> {
  const h = new LatencyHistogram();
  const started = performance.now();
  const instance = autocannon({ url, connections, duration: durationSec });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
    h.record(responseTime),
  );
  const result = await instance;
  const elapsed = performance.now() - started;
  return {
    p95: h.percentile(95) ?? NaN,
    throughput: (result.requests.total * 1000) / elapsed,
    errors: result.errors + result.non2xx,
  };
}

async function runSampler(
  url: string,
  durationSec: number,
): Promise<{ p95: number; throughput: number; errors: number }> {
  const { summary } = await sampleLatency({ urls: [url], durationMs: durationSec * 1000, concurrency: connections });
  return { p95: summary.latency?.p95 ?? NaN, throughput: summary.throughput, errors: summary.errors };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
let allOk = true;
for (const workMs of [0, 10]) {
  const { url, child } = await startServer(workMs);
  try {
    // Warm both clients and the server's JIT before measuring.
    await runAutocannon(url, 1);
    await runSampler(url, 1);
    const ac = await runAutocannon(url, seconds);
    const sm = await runSampler(url, seconds);
    const p95Ratio = sm.p95 / ac.p95;
    const tputRatio = sm.throughput / ac.throughput;
    const ok = Math.abs(p95Ratio - 1) <= 0.1 && tputRatio >= 0.7;
    allOk &&= ok;
    console.log(
      `endpoint: ${workMs === 0 ? 'immediate reply' : `0..${2 * workMs} ms simulated work`}, ${connections} connections, ${seconds}s each`,
    );
    console.log(`  autocannon: p95 ${ac.p95.toFixed(3)} ms, ${ac.throughput.toFixed(0)} req/s, errors ${ac.errors}`);
    console.log(`  sampler:    p95 ${sm.p95.toFixed(3)} ms, ${sm.throughput.toFixed(0)} req/s, errors ${sm.errors}`);
    console.log(
      `  ratios:     p95 sampler/autocannon ${p95Ratio.toFixed(3)} (target 0.9..1.1), throughput ${pct(tputRatio)} (target >= 70%) -> ${ok ? 'OK' : 'MISSED'}`,
    );
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
process.exitCode = allOk ? 0 : 1;
