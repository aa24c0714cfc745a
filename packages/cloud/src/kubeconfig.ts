import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as yaml from 'js-yaml';

export interface KubeconfigEntry {
  /** Name used for the cluster, user and context entries (e.g. the cluster ARN, gke_<project>_<location>_<name>). */
  name: string;
  server: string;
  /** Base64 PEM of the cluster CA, as EKS and GKE return it. */
  certificateAuthorityData: string | undefined;
  /** An exec credential plugin: tokens are fetched when used, nothing long-lived is written. */
  exec: {
    command: string;
    args: string[];
    env?: { name: string; value: string }[];
    installHint?: string;
    provideClusterInfo?: boolean;
  };
}

interface Named {
  name: string;
  [k: string]: unknown;
}

function upsert(list: unknown, entry: Named): Named[] {
  const items = Array.isArray(list) ? (list as Named[]).filter((x) => x && x.name !== entry.name) : [];
  return [...items, entry];
}

/** Adds (or replaces) the cluster's entries in a kubeconfig file and makes it the current context. */
export function writeKubeconfig(path: string, entry: KubeconfigEntry): void {
  let doc: Record<string, unknown> = {};
  if (existsSync(path)) {
    const loaded = yaml.load(readFileSync(path, 'utf8'));
    if (loaded !== null && loaded !== undefined) {
      if (typeof loaded !== 'object' || Array.isArray(loaded))
        throw new Error(`${path} is not a kubeconfig (not a mapping)`);
      doc = loaded as Record<string, unknown>;
    }
  }
  const out = {
    ...doc,
    apiVersion: 'v1',
    kind: 'Config',
    clusters: upsert(doc['clusters'], {
      name: entry.name,
      cluster: {
        server: entry.server,
        ...(entry.certificateAuthorityData ? { 'certificate-authority-data': entry.certificateAuthorityData } : {}),
      },
    }),
    users: upsert(doc['users'], {
      name: entry.name,
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: entry.exec.command,
          args: entry.exec.args,
          ...(entry.exec.env ? { env: entry.exec.env } : {}),
          interactiveMode: 'Never',
          ...(entry.exec.installHint ? { installHint: entry.exec.installHint } : {}),
          ...(entry.exec.provideClusterInfo ? { provideClusterInfo: true } : {}),
        },
      },
    }),
    contexts: upsert(doc['contexts'], { name: entry.name, context: { cluster: entry.name, user: entry.name } }),
    'current-context': entry.name,
  };
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename: a concurrent kubectl never reads half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, yaml.dump(out, { lineWidth: -1 }), { mode: 0o600 });
  renameSync(tmp, path);
}

export function eksKubeconfigEntry(o: {
  arn: string;
  name: string;
  region: string;
  endpoint: string;
  ca: string | undefined;
}): KubeconfigEntry {
  return {
    name: o.arn || o.name,
    server: o.endpoint,
    certificateAuthorityData: o.ca,
    exec: {
      command: 'aws',
      args: ['--region', o.region, 'eks', 'get-token', '--cluster-name', o.name, '--output', 'json'],
    },
  };
}

export function gkeKubeconfigEntry(o: {
  project: string;
  location: string;
  name: string;
  endpoint: string;
  ca: string | undefined;
}): KubeconfigEntry {
  return {
    name: `gke_${o.project}_${o.location}_${o.name}`,
    server: o.endpoint.startsWith('https://') ? o.endpoint : `https://${o.endpoint}`,
    certificateAuthorityData: o.ca,
    exec: {
      command: 'gke-gcloud-auth-plugin',
      args: [],
      installHint: 'Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin',
      provideClusterInfo: true,
    },
  };
}
