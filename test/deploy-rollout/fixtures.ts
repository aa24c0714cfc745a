import { readFileSync } from 'node:fs';
import { runAction, type RunOptions, type RunResult } from '../harness/run-action.js';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startKubeFake, type Deployment, type KubeFake } from '../kube-fake/index.js';

export const NAMESPACE = 'prod';

/** A fake cluster with namespace prod. Time runs `timeScale` times faster than real time. */
export async function startCluster(timeScale = 4): Promise<KubeFake> {
  return startKubeFake({ timeScale, tickMs: 20, namespaces: [NAMESPACE] });
}

/** Creates Deployment `name` running `image` and waits until its first rollout is complete (revision 1). */
export async function seedDeployment(
  fake: KubeFake,
  name: string,
  image: string,
  options: {
    replicas?: number;
    progressDeadlineSeconds?: number;
    paused?: boolean;
    containers?: { name: string; image: string }[];
  } = {},
): Promise<Deployment> {
  const labels = { app: name };
  fake.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: labels },
      ...(options.progressDeadlineSeconds ? { progressDeadlineSeconds: options.progressDeadlineSeconds } : {}),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: { containers: options.containers ?? [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  });
  const ready = await fake.waitFor(
    () => {
      const d = fake.get<Deployment>('Deployment', NAMESPACE, name);
      const s = d?.status as
        { availableReplicas?: number; updatedReplicas?: number; observedGeneration?: number } | undefined;
      return d &&
        s &&
        (s.availableReplicas ?? 0) === (options.replicas ?? 2) &&
        s.observedGeneration === d.metadata.generation
        ? d
        : undefined;
    },
    { timeoutMs: 30_000, what: `deployment ${name} ready` },
  );
  if (!options.paused) return ready;
  const copy = structuredClone(ready);
  return fake.create<Deployment>({ ...copy, spec: { ...(copy.spec as object), paused: true } } as Deployment);
}

export function imageOf(fake: KubeFake, name: string): string | undefined {
  const d = fake.get<Deployment>('Deployment', NAMESPACE, name);
  return (d?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec
    .containers[0]?.image;
}

export function annotationsOf(fake: KubeFake, name: string): Record<string, string> {
  return fake.get<Deployment>('Deployment', NAMESPACE, name)?.metadata.annotations ?? {};
}

/** A loopback HTTP server answering `status()` on every path; `hits` counts requests. */
export async function startHealthServer(
  status: () => number,
): Promise<{ url: string; hits: number; stop(): Promise<void> }> {
  const state = { hits: 0 };
  const server = createServer((_req, res) => {
    state.hits++;
    res.writeHead(status(), { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/health`,
    get hits() {
      return state.hits;
    },
    stop: () => closeServer(server),
  };
}

export interface RecordedRequest {
  method: string;
  url: string;
  body: unknown;
}

/** A stand-in for the GitHub REST API (GITHUB_API_URL) that records deployment calls. */
export async function startGithubStandIn(): Promise<{
  url: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}> {
  const requests: RecordedRequest[] = [];
  let nextId = 100;
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ method: req.method ?? '', url: req.url ?? '', body });
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/deployments$/.test(req.url ?? '')) {
      res.writeHead(201).end(JSON.stringify({ id: nextId++, ...(body as object) }));
    } else if (req.method === 'POST' && /\/deployments\/\d+\/statuses$/.test(req.url ?? '')) {
      res.writeHead(201).end(JSON.stringify({ id: nextId++, ...(body as object) }));
    } else {
      res.writeHead(404).end(JSON.stringify({ message: 'Not Found' }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests, stop: () => closeServer(server) };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

/**
 * Runs the deploy-rollout bundle against the fake. DEPLOY_ROLLOUT_BUNDLE may name another entry
 * (e.g. a tsx loader for the sources) to iterate without rebuilding dist/.
 */
export function runDeployRollout(
  fake: KubeFake,
  inputs: Record<string, string | number | boolean | undefined>,
  options: Omit<RunOptions, 'inputs'> = {},
): Promise<RunResult> {
  return runAction('deploy-rollout', {
    timeoutMs: 120_000,
    ...options,
    inputs: { namespace: NAMESPACE, 'verify-duration': '1s', ...inputs },
    env: { KUBECONFIG: fake.kubeconfigPath, ...(options.env ?? {}) },
    ...(process.env.DEPLOY_ROLLOUT_BUNDLE ? { bundle: process.env.DEPLOY_ROLLOUT_BUNDLE } : {}),
  });
}

/** The JSON report the action wrote (its `report` output). */
export function readReport(result: RunResult): Record<string, unknown> {
  return JSON.parse(readFileSync(result.outputs.report as string, 'utf8')) as Record<string, unknown>;
}
