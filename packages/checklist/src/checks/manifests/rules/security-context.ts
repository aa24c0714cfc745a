import type { Finding } from '../../../types.js';
import { at, containers, get, isObj, list, podSpecPath, ref, type K8sObject } from '../objects.js';
import type { ManifestParams } from '../params.js';

/**
 * Every container (init containers too) runs as non-root, read-only root filesystem, no privilege
 * escalation, all capabilities dropped and a RuntimeDefault seccomp profile: what the PSA
 * `restricted` level admits (it rejects pods without them once the namespace enforces it).
 */
export function checkSecurityContext(objects: K8sObject[], _p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  for (const o of objects) {
    const spec = podSpecPath(o);
    if (!spec) continue;
    const podSc = get(o.value, [...spec, 'securityContext']);
    const pod = isObj(podSc) ? podSc : {};
    for (const c of containers(o, true)) {
      const sc = isObj(c.value.securityContext) ? c.value.securityContext : undefined;
      const scPath = sc ? [...c.path, 'securityContext'] : c.path;
      if (!sc && !isObj(podSc)) {
        out.push(
          at(
            o,
            c.path,
            'fail',
            `container ${c.name} has no securityContext (runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation: false, capabilities.drop: [ALL])`,
          ),
        );
        continue;
      }
      const problems: string[] = [];
      const nonRoot = sc?.runAsNonRoot ?? pod.runAsNonRoot;
      const user = sc?.runAsUser ?? pod.runAsUser;
      if (nonRoot !== true) problems.push('runAsNonRoot is not true');
      if (user === 0) problems.push('runAsUser is 0 (root)');
      if (sc?.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true');
      if (sc?.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
      if (sc?.privileged === true) problems.push('privileged is true');
      const drop = list(get(sc, ['capabilities', 'drop'])).map(String);
      if (!drop.includes('ALL')) problems.push('capabilities.drop does not include ALL');
      const seccomp = get(sc, ['seccompProfile', 'type']) ?? get(pod, ['seccompProfile', 'type']);
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
        problems.push('seccompProfile.type is not RuntimeDefault (required by PSA restricted)');
      if (problems.length > 0) out.push(at(o, scPath, 'fail', `container ${c.name}: ${problems.join('; ')}`));
      else out.push({ level: 'pass', message: `${ref(o)}: container ${c.name} securityContext meets PSA restricted` });
    }
  }
  return out;
}
