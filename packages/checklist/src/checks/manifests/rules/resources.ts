import { formatBytes, formatCpu, parseQuantity } from '../../../quantity.js';
import type { Finding } from '../../../types.js';
import { appWorkloads, at, containers, get, ref, type K8sObject } from '../objects.js';
import type { ManifestParams } from '../params.js';

/** Requests and limits present for cpu and memory, limits not below requests, and the guide's minimum met. */
export function checkResources(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  for (const o of appWorkloads(objects, p.workloadKinds)) {
    for (const c of containers(o)) {
      const base = [...c.path, 'resources'];
      const amounts: Record<string, Record<string, number | undefined>> = {};
      let complete = true;
      for (const kind of ['requests', 'limits'] as const) {
        amounts[kind] = {};
        for (const res of ['cpu', 'memory'] as const) {
          const raw = get(c.value, ['resources', kind, res]);
          if (raw === undefined) {
            out.push(at(o, [...base, kind], 'fail', `container ${c.name} has no ${kind}.${res}`));
            complete = false;
            continue;
          }
          const q = parseQuantity(raw);
          if (q === undefined) {
            out.push(
              at(
                o,
                [...base, kind, res],
                'fail',
                `container ${c.name}: ${kind}.${res} "${String(raw)}" is not a Kubernetes quantity`,
              ),
            );
            complete = false;
          }
          (amounts[kind] as Record<string, number | undefined>)[res] = q;
        }
      }
      for (const res of ['cpu', 'memory'] as const) {
        const req = amounts.requests?.[res];
        const lim = amounts.limits?.[res];
        if (req !== undefined && lim !== undefined && lim < req) {
          out.push(
            at(o, [...base, 'limits', res], 'fail', `container ${c.name}: limits.${res} is below requests.${res}`),
          );
          complete = false;
        }
      }
      const cpu = amounts[p.against]?.cpu;
      const mem = amounts[p.against]?.memory;
      const need = `${formatCpu(p.minCpu)} vCPU / ${formatBytes(p.minMemory)}`;
      if (cpu !== undefined && cpu < p.minCpu) {
        out.push(
          at(
            o,
            [...base, p.against, 'cpu'],
            'fail',
            `container ${c.name}: ${p.against}.cpu ${formatCpu(cpu)} is below ${formatCpu(p.minCpu)} vCPU`,
          ),
        );
        complete = false;
      }
      if (mem !== undefined && mem < p.minMemory) {
        out.push(
          at(
            o,
            [...base, p.against, 'memory'],
            'fail',
            `container ${c.name}: ${p.against}.memory ${formatBytes(mem)} is below ${formatBytes(p.minMemory)}`,
          ),
        );
        complete = false;
      }
      if (complete) {
        out.push({
          level: 'pass',
          message: `${ref(o)}: container ${c.name} ${p.against} ${formatCpu(cpu ?? 0)} vCPU / ${formatBytes(mem ?? 0)} >= ${need}`,
        });
      }
    }
  }
  return out;
}
