/** A kubeconfig for the fake: plain HTTP, so the cluster entry must say insecure-skip-tls-verify. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as yaml from 'js-yaml';

export interface KubeconfigOptions {
  /** Context (and cluster/user) name; default `kube-fake`. */
  context?: string;
  /** Default namespace of the context. */
  namespace?: string;
  /** Bearer token the user presents (the fake checks it only when started with one). */
  token?: string;
}

export function kubeconfigYaml(server: string, options: KubeconfigOptions = {}): string {
  const name = options.context ?? 'kube-fake';
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token: options.token ?? 'kube-fake-token' } }],
    contexts: [
      { name, context: { cluster: name, user: name, ...(options.namespace ? { namespace: options.namespace } : {}) } },
    ],
    'current-context': name,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, server: string, options: KubeconfigOptions = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, kubeconfigYaml(server, options), { mode: 0o600 });
  return path;
}
