/** Shared by the kube-fake tests: client-node clients for a fake, manifests, and state probes. */
import * as k8s from '@kubernetes/client-node';
import type { KubeFake } from './index.js';
import type { Deployment, KubeObject, ReplicaSet } from './types.js';
import { REVISION } from './controller/deployment-util.js';

export function clients(fake: KubeFake) {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(fake.kubeconfigPath);
  return {
    kc,
    apps: kc.makeApiClient(k8s.AppsV1Api),
    core: kc.makeApiClient(k8s.CoreV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  };
}

export function deployment(
  name: string,
  image: string,
  extra: { replicas?: number; spec?: Record<string, unknown>; namespace?: string } = {},
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...(extra.namespace ? { namespace: extra.namespace } : {}), labels: { app: name } },
    spec: {
      replicas: extra.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
      ...(extra.spec ?? {}),
    },
  };
}

export function replicaSetsOf(fake: KubeFake, d: KubeObject): ReplicaSet[] {
  return fake
    .list<ReplicaSet>('ReplicaSet', d.metadata.namespace)
    .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid))
    .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
}

/** kubectl rollout status's notion of done (see design.md). */
export function rolloutComplete(d: Deployment | undefined): boolean {
  if (!d) return false;
  const s = d.status ?? {};
  const replicas = d.spec.replicas ?? 1;
  return (
    (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= replicas &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

export async function waitRolledOut(fake: KubeFake, namespace: string, name: string): Promise<Deployment> {
  return fake.waitFor(
    () => {
      const d = fake.get<Deployment>('Deployment', namespace, name);
      return rolloutComplete(d) && (d?.status?.replicas ?? 0) === (d?.spec.replicas ?? 1) ? d : undefined;
    },
    { what: `rollout of ${namespace}/${name}`, timeoutMs: 20_000 },
  );
}
