import type { Finding } from '../../../types.js';
import { appWorkloads, at, get, isObj, list, podLabels, ref, selectorMatches, type K8sObject } from '../objects.js';
import type { ManifestParams } from '../params.js';

/** The policy types a NetworkPolicy isolates: policyTypes, or (unset) Ingress plus Egress when it has egress rules. */
function policyTypes(np: K8sObject): string[] {
  const declared = get(np.value, ['spec', 'policyTypes']);
  if (Array.isArray(declared)) return declared.map(String);
  return get(np.value, ['spec', 'egress']) !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

function allowsDns(np: K8sObject): boolean {
  return list(get(np.value, ['spec', 'egress'])).some((rule) => {
    if (!isObj(rule)) return false;
    const ports = list(rule.ports);
    return (
      ports.length === 0 || ports.some((p) => isObj(p) && (p.port === 53 || p.port === 'dns' || p.port === 'dns-tcp'))
    );
  });
}

/**
 * Each app workload's pods are selected by NetworkPolicies that isolate both ingress and egress.
 * Also flags the mistakes the guide's policy makes: egress without DNS, egress peers that only
 * select in-cluster pods (external databases need an ipBlock) and the non-standard `name`
 * namespace label.
 */
export function checkNetworkPolicy(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  for (const o of appWorkloads(objects, p.workloadKinds)) {
    const labels = podLabels(o);
    const selecting = policies.filter(
      (np) => np.namespace === o.namespace && selectorMatches(get(np.value, ['spec', 'podSelector']), labels),
    );
    const types = new Set(selecting.flatMap(policyTypes));
    const missing = ['Ingress', 'Egress'].filter((t) => !types.has(t));
    if (selecting.length === 0) {
      out.push(
        at(
          o,
          ['metadata', 'name'],
          'fail',
          `no NetworkPolicy in namespace ${o.namespace} selects its pods: all traffic is allowed`,
        ),
      );
      continue;
    }
    if (missing.length > 0) {
      out.push(
        at(
          selecting[0] as K8sObject,
          ['spec'],
          'fail',
          `${ref(o)}: ${missing.join(' and ')} traffic is not restricted by any NetworkPolicy`,
        ),
      );
    } else {
      out.push({
        level: 'pass',
        message: `${ref(o)}: ingress and egress restricted by ${selecting.map(ref).join(', ')}`,
      });
    }
    if (types.has('Egress') && !selecting.some(allowsDns)) {
      const np = selecting.find((x) => policyTypes(x).includes('Egress')) as K8sObject;
      out.push(
        at(
          np,
          ['spec', 'egress'],
          'warn',
          'egress allows no DNS (port 53): the pods cannot resolve names such as the database host',
        ),
      );
    }
    for (const np of selecting) {
      list(get(np.value, ['spec', 'egress'])).forEach((rule, i) => {
        // `namespaceSelector: {}` alone means "every pod in the cluster", often meant as "anywhere":
        // it does not match addresses outside the cluster (RDS, ElastiCache, external APIs).
        const peers = isObj(rule) ? list(rule.to) : [];
        const everyPod = peers.some(
          (peer) =>
            isObj(peer) &&
            isObj(peer.namespaceSelector) &&
            Object.keys(peer.namespaceSelector).length === 0 &&
            peer.podSelector === undefined,
        );
        if (everyPod && !peers.some((peer) => isObj(peer) && isObj(peer.ipBlock))) {
          out.push(
            at(
              np,
              ['spec', 'egress', i],
              'warn',
              'egress to namespaceSelector: {} allows only in-cluster pods; services outside the cluster (RDS, ElastiCache, external APIs) need an ipBlock',
            ),
          );
        }
      });
      list(get(np.value, ['spec', 'ingress'])).forEach((rule, i) => {
        list(isObj(rule) ? rule.from : undefined).forEach((peer, j) => {
          const ml = get(peer, ['namespaceSelector', 'matchLabels']);
          if (isObj(ml) && 'name' in ml) {
            out.push(
              at(
                np,
                ['spec', 'ingress', i, 'from', j, 'namespaceSelector'],
                'warn',
                'namespaceSelector uses a "name" label that namespaces do not carry by default; use kubernetes.io/metadata.name',
              ),
            );
          }
        });
      });
    }
  }
  return out;
}
