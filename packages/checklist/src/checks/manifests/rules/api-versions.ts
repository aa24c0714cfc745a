import type { Finding } from '../../../types.js';
import { at, type K8sObject } from '../objects.js';
import type { ManifestParams } from '../params.js';

/** API versions the Kubernetes deprecation guide lists as removed, with the release that removed them. */
const REMOVED: { apiVersion: string; kinds?: string[]; removedIn: string; use: string }[] = [
  { apiVersion: 'extensions/v1beta1', removedIn: '1.22', use: 'apps/v1 or networking.k8s.io/v1' },
  { apiVersion: 'apps/v1beta1', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', removedIn: '1.22', use: 'networking.k8s.io/v1' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], removedIn: '1.25', use: 'policy/v1' },
  { apiVersion: 'batch/v1beta1', removedIn: '1.25', use: 'batch/v1' },
  { apiVersion: 'autoscaling/v2beta1', removedIn: '1.25', use: 'autoscaling/v2' },
  { apiVersion: 'autoscaling/v2beta2', removedIn: '1.26', use: 'autoscaling/v2' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', removedIn: '1.29', use: 'flowcontrol.apiserver.k8s.io/v1' },
];

function versionAtLeast(v: string, min: string): boolean {
  const [a = 0, b = 0] = v.split('.').map(Number);
  const [c = 0, d = 0] = min.split('.').map(Number);
  return a > c || (a === c && b >= d);
}

/** Objects written against an API version the target cluster no longer serves (PSP is pod-security's). */
export function checkApiVersions(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  for (const o of objects) {
    if (o.kind === 'PodSecurityPolicy') continue;
    const r = REMOVED.find((x) => x.apiVersion === o.apiVersion && (!x.kinds || x.kinds.includes(o.kind)));
    if (r && versionAtLeast(p.kubernetesVersion, r.removedIn)) {
      out.push(
        at(
          o,
          ['apiVersion'],
          'fail',
          `${o.apiVersion} ${o.kind} was removed in Kubernetes ${r.removedIn} (target ${p.kubernetesVersion}); use ${r.use}`,
        ),
      );
    }
  }
  if (out.length === 0)
    out.push({
      level: 'pass',
      message: `${objects.length} objects use API versions served by Kubernetes ${p.kubernetesVersion}`,
    });
  return out;
}
