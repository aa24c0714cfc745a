/**
 * Command line for the local rehearsal:
 *   pnpm exec tsx test/kube-fake/cli.ts --port 0 --kubeconfig /tmp/kube-fake.yaml [--time-scale 10] [--namespace prod]
 * Prints the URL and kubeconfig path; runs until interrupted. It is a simulator for tests, not a cluster.
 */
import { parseArgs } from 'node:util';
import { startKubeFake } from './index.js';

function fail(message: string): never {
  process.stderr.write(`kube-fake: ${message}\n`);
  process.exit(2);
}

function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: '127.0.0.1' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        'time-scale': { type: 'string' },
        tick: { type: 'string' },
        'ready-after': { type: 'string' },
        namespace: { type: 'string', multiple: true },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e: unknown) {
    fail(e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    process.stdout.write(
      'kube-fake: Kubernetes API SIMULATOR for tests (not a cluster)\n' +
        'options: --port N --host 127.0.0.1 --kubeconfig PATH --context NAME --time-scale X --tick MS --ready-after SECONDS --namespace NS (repeatable) --token T\n' +
        'control: POST /_fake/behaviours {image, ...}, POST /_fake/faults {method, path, status, times}, POST /_fake/advance {seconds}\n',
    );
    return;
  }
  const port = numberOption('port', values.port, 0);
  const readyAfter =
    values['ready-after'] === undefined ? undefined : numberOption('ready-after', values['ready-after'], 2);
  const fake = await startKubeFake({
    port,
    host: values.host,
    kubeconfigPath: values.kubeconfig,
    context: values.context,
    timeScale: numberOption('time-scale', values['time-scale'], 1) || 1,
    tickMs: numberOption('tick', values.tick, 100) || 100,
    namespaces: values.namespace,
    token: values.token,
    ...(readyAfter !== undefined ? { defaultBehaviour: { readyAfterSeconds: readyAfter } } : {}),
  });
  process.stdout.write(`kube-fake (Kubernetes API simulator for tests, not a real cluster) listening on ${fake.url}\n`);
  process.stdout.write(`kubeconfig: ${fake.kubeconfigPath}\n`);
  const shutdown = () => {
    fake.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
