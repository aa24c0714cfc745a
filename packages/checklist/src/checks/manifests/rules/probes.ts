import type { Finding } from '../../../types.js';
import { appWorkloads, at, containers, isObj, ref, type K8sObject } from '../objects.js';
import type { ManifestParams } from '../params.js';

const HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'];

/** Every app container has a liveness and a readiness probe with a handler. */
export function checkProbes(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  for (const o of appWorkloads(objects, p.workloadKinds)) {
    for (const c of containers(o)) {
      let ok = true;
      for (const probe of ['livenessProbe', 'readinessProbe']) {
        const v = c.value[probe];
        if (!isObj(v)) {
          out.push(at(o, c.path, 'fail', `container ${c.name} has no ${probe}`));
          ok = false;
        } else if (!HANDLERS.some((h) => isObj(v[h]) || (h === 'exec' && isObj(v.exec)))) {
          out.push(
            at(o, [...c.path, probe], 'fail', `container ${c.name}: ${probe} has no handler (${HANDLERS.join(', ')})`),
          );
          ok = false;
        }
      }
      if (ok) out.push({ level: 'pass', message: `${ref(o)}: container ${c.name} has liveness and readiness probes` });
    }
  }
  return out;
}
