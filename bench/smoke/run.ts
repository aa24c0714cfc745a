/**
 * Compares the smoke-test SLA sampler with autocannon against the same local endpoint, in one run.
 * Usage: pnpm exec tsx bench/smoke/run.ts [--seconds 5] [--connections 10] [--rounds 3]
 * Each round runs both clients, alternating which goes first; the medians over rounds are compared,
 * so a burst of load from elsewhere on the machine does not decide the ratio.
 * Targets: sampler p95 within 10 % of autocannon's; sampler throughput >= 70 % of autocannon's.
 * autocannon does not report p95, so its per-response times (its own measurement, from its
 * 'response' events) are recorded into the same kind of HDR histogram the sampler uses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { LatencyHistogram, sampleLatency } from '../../packages/probe/src/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const rounds = Math.max(1, Number(values.rounds));

async function startServer(workMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], {
    env: { ...process.env, WORK_MS: String(workMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}/health`, child };
}

async function runAutocannon(url: string, durationSec: number): Promise<Measured> {
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

async function runSampler(url: string, durationSec: number): Promise<Measured> {
  const { summary } = await sampleLatency({ urls: [url], durationMs: durationSec * 1000, concurrency: connections });
  return { p95: summary.latency?.p95 ?? NaN, throughput: summary.throughput, errors: summary.errors };
}

type Measured = { p95: number; throughput: number; errors: number };
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const medianOf = (runs: Measured[]): Measured => ({
  p95: median(runs.map((r) => r.p95)),
  throughput: median(runs.map((r) => r.throughput)),
  errors: runs.reduce((n, r) => n + r.errors, 0),
});
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
let allOk = true;
// Both clients and the server share the machine's CPUs: a busy machine skews the comparison, so say how busy it was.
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(`machine: ${cpus().length} CPUs, load average ${load()} at start`);
for (const workMs of [0, 10]) {
  const { url, child } = await startServer(workMs);
  try {
    // Warm both clients and the server's JIT before measuring.
    await runAutocannon(url, 1);
    await runSampler(url, 1);
    const acRuns: Measured[] = [];
    const smRuns: Measured[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        acRuns.push(await runAutocannon(url, seconds));
        smRuns.push(await runSampler(url, seconds));
      } else {
        smRuns.push(await runSampler(url, seconds));
        acRuns.push(await runAutocannon(url, seconds));
      }
    }
    const ac = medianOf(acRuns);
    const sm = medianOf(smRuns);
    const p95Ratio = sm.p95 / ac.p95;
    const tputRatio = sm.throughput / ac.throughput;
    const ok = Math.abs(p95Ratio - 1) <= 0.1 && tputRatio >= 0.7;
    allOk &&= ok;
    console.log(
      `endpoint: ${workMs === 0 ? 'immediate reply' : `0..${2 * workMs} ms simulated work`}, ${connections} connections, ${rounds} rounds of ${seconds}s per client (medians)`,
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
console.log(`load average ${load()} at end`);
process.exitCode = allOk ? 0 : 1;
