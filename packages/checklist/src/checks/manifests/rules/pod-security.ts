import type { Finding } from '../../../types.js';
import { at, get, isObj, podSpecPath, ref, type K8sObject } from '../objects.js';
import type { ManifestParams } from '../params.js';

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const LEVELS = ['privileged', 'baseline', 'restricted'];

/**
 * PodSecurityPolicy was removed in Kubernetes 1.25: a PSP in the manifests protects nothing (and
 * fails to apply). The replacement is Pod Security Admission: each namespace the workloads run in
 * carries `pod-security.kubernetes.io/enforce: <level>`.
 */
export function checkPodSecurity(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  for (const psp of objects.filter((o) => o.kind === 'PodSecurityPolicy')) {
    out.push(
      at(
        psp,
        ['apiVersion'],
        'fail',
        `${psp.apiVersion} PodSecurityPolicy was removed in Kubernetes 1.25 (target ${p.kubernetesVersion}); use Pod Security Admission namespace labels (${ENFORCE}: ${p.podSecurityLevel}) and container securityContext`,
      ),
    );
  }
  const namespaces = new Set(objects.filter((o) => podSpecPath(o)).map((o) => o.namespace));
  for (const ns of [...namespaces].sort()) {
    const nsObj = objects.find((o) => o.kind === 'Namespace' && o.name === ns);
    const workload = objects.find((o) => podSpecPath(o) && o.namespace === ns) as K8sObject;
    if (!nsObj) {
      out.push(
        at(
          workload,
          ['metadata', 'namespace'],
          'fail',
          `namespace ${ns} has no Namespace manifest carrying ${ENFORCE}: ${p.podSecurityLevel}`,
        ),
      );
      continue;
    }
    const labels = get(nsObj.value, ['metadata', 'labels']);
    const level = isObj(labels) ? labels[ENFORCE] : undefined;
    if (level === undefined) {
      out.push(at(nsObj, ['metadata'], 'fail', `no ${ENFORCE} label (want ${p.podSecurityLevel})`));
    } else if (LEVELS.indexOf(String(level)) < LEVELS.indexOf(p.podSecurityLevel)) {
      out.push(
        at(
          nsObj,
          ['metadata', 'labels', ENFORCE],
          'fail',
          `${ENFORCE} is ${String(level)}, weaker than ${p.podSecurityLevel}`,
        ),
      );
    } else {
      out.push({ level: 'pass', message: `${ref(nsObj)} enforces Pod Security ${String(level)}` });
    }
  }
  return out;
}
