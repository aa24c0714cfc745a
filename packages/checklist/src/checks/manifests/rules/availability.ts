import type { Finding } from '../../../types.js';
import {
  appWorkloads,
  at,
  get,
  isObj,
  list,
  podLabels,
  podSpecPath,
  ref,
  selectorMatches,
  type K8sObject,
} from '../objects.js';
import type { ManifestParams } from '../params.js';

/** Pods spread over nodes/zones: pod anti-affinity or a topology spread constraint selecting the pods themselves. */
export function checkSpread(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  for (const o of appWorkloads(objects, p.workloadKinds)) {
    const spec = podSpecPath(o) as string[];
    const labels = podLabels(o);
    const anti = get(o.value, [...spec, 'affinity', 'podAntiAffinity']);
    const terms = isObj(anti)
      ? [
          ...list(anti.requiredDuringSchedulingIgnoredDuringExecution),
          ...list(anti.preferredDuringSchedulingIgnoredDuringExecution).map((w) =>
            isObj(w) ? w.podAffinityTerm : undefined,
          ),
        ]
      : [];
    const antiOk = terms.some(
      (t) => isObj(t) && typeof t.topologyKey === 'string' && selectorMatches(t.labelSelector, labels),
    );
    const spreadOk = list(get(o.value, [...spec, 'topologySpreadConstraints'])).some(
      (t) => isObj(t) && typeof t.topologyKey === 'string' && selectorMatches(t.labelSelector, labels),
    );
    if (antiOk || spreadOk) {
      out.push({
        level: 'pass',
        message: `${ref(o)}: pods spread by ${antiOk ? 'pod anti-affinity' : 'topology spread constraints'}`,
      });
    } else if (terms.length > 0) {
      out.push(
        at(
          o,
          [...spec, 'affinity', 'podAntiAffinity'],
          'fail',
          `pod anti-affinity does not select the workload's own pods`,
        ),
      );
    } else {
      out.push(
        at(o, spec, 'fail', 'no pod anti-affinity or topologySpreadConstraints: all replicas may land on one node'),
      );
    }
  }
  return out;
}

function isZero(v: unknown): boolean {
  return v === 0 || v === '0' || v === '0%';
}

/** Deployments roll with maxUnavailable 0 (and a surge, or they could not progress). */
export function checkRollingUpdate(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  for (const o of appWorkloads(objects, p.workloadKinds).filter((w) => w.kind === 'Deployment')) {
    const type = get(o.value, ['spec', 'strategy', 'type']) ?? 'RollingUpdate';
    if (type !== 'RollingUpdate') {
      out.push(
        at(
          o,
          ['spec', 'strategy', 'type'],
          'fail',
          `strategy ${String(type)} takes every pod down at once; use RollingUpdate`,
        ),
      );
      continue;
    }
    const ru = get(o.value, ['spec', 'strategy', 'rollingUpdate']);
    const maxUnavailable = isObj(ru) ? ru.maxUnavailable : undefined;
    const maxSurge = isObj(ru) ? ru.maxSurge : undefined;
    if (!isZero(maxUnavailable)) {
      const shown = maxUnavailable === undefined ? 'unset (default 25%)' : String(maxUnavailable);
      out.push(
        at(
          o,
          ['spec', 'strategy'],
          'fail',
          `rollingUpdate.maxUnavailable is ${shown}; set 0 so capacity never drops during a rollout`,
        ),
      );
    } else if (maxSurge !== undefined && isZero(maxSurge)) {
      out.push(
        at(
          o,
          ['spec', 'strategy', 'rollingUpdate', 'maxSurge'],
          'fail',
          'maxSurge and maxUnavailable are both 0: the rollout cannot progress',
        ),
      );
    } else {
      out.push({ level: 'pass', message: `${ref(o)}: RollingUpdate with maxUnavailable 0` });
    }
  }
  return out;
}

/** The HorizontalPodAutoscalers that scale `o`. */
export function autoscalersOf(objects: K8sObject[], o: K8sObject): K8sObject[] {
  return objects.filter(
    (h) =>
      h.kind === 'HorizontalPodAutoscaler' &&
      h.namespace === o.namespace &&
      get(h.value, ['spec', 'scaleTargetRef', 'kind']) === o.kind &&
      get(h.value, ['spec', 'scaleTargetRef', 'name']) === o.name,
  );
}

/** At least `minReplicas` replicas, from spec.replicas or (when an HPA owns the count) its minReplicas. */
export function checkReplicas(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  for (const o of appWorkloads(objects, p.workloadKinds)) {
    if (o.kind === 'DaemonSet') continue;
    const replicas = get(o.value, ['spec', 'replicas']);
    const hpaMin = autoscalersOf(objects, o)
      .map((h) => Number(get(h.value, ['spec', 'minReplicas']) ?? 1))
      .reduce<number | undefined>((a, b) => (a === undefined ? b : Math.max(a, b)), undefined);
    const effective = replicas === undefined ? (hpaMin ?? 1) : Number(replicas);
    if (effective >= p.minReplicas) {
      out.push({
        level: 'pass',
        message: `${ref(o)}: ${effective} replicas (${replicas === undefined ? 'HPA minReplicas' : 'spec.replicas'})`,
      });
    } else {
      const shown = replicas === undefined ? 'replicas unset (default 1)' : `replicas ${effective}`;
      out.push(
        at(
          o,
          replicas === undefined ? ['spec'] : ['spec', 'replicas'],
          'fail',
          `${shown}: fewer than ${p.minReplicas}, one pod failure is an outage`,
        ),
      );
    }
  }
  return out;
}

/** An HPA with minReplicas..maxReplicas inside the guide's 2-10 targets each app workload. */
export function checkHpa(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  for (const o of appWorkloads(objects, p.workloadKinds)) {
    if (o.kind === 'DaemonSet') continue;
    const hpas = autoscalersOf(objects, o);
    if (hpas.length === 0) {
      out.push(
        at(
          o,
          ['kind'],
          'fail',
          `no HorizontalPodAutoscaler targets it (the guide asks for autoscaling ${p.minReplicas}-${p.maxReplicas})`,
        ),
      );
      continue;
    }
    for (const h of hpas) {
      const min = Number(get(h.value, ['spec', 'minReplicas']) ?? 1);
      const max = Number(get(h.value, ['spec', 'maxReplicas']));
      const problems: string[] = [];
      if (min < p.minReplicas) problems.push(`minReplicas ${min} is below ${p.minReplicas}`);
      if (!Number.isFinite(max)) problems.push('maxReplicas is missing');
      else if (max > p.maxReplicas) problems.push(`maxReplicas ${max} is above ${p.maxReplicas}`);
      else if (max <= min) problems.push(`maxReplicas ${max} leaves no room to scale above minReplicas ${min}`);
      if (problems.length > 0)
        out.push(
          at(h, ['spec', problems[0]?.startsWith('min') ? 'minReplicas' : 'maxReplicas'], 'fail', problems.join('; ')),
        );
      else out.push({ level: 'pass', message: `${ref(h)} scales ${ref(o)} between ${min} and ${max}` });
    }
  }
  return out;
}

/**
 * A PodDisruptionBudget selects the pods, so a node drain or cluster upgrade cannot evict every
 * replica at once. Missing is a warning: the rollout itself does not need one.
 */
export function checkDisruptionBudget(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const o of appWorkloads(objects, p.workloadKinds)) {
    const labels = podLabels(o);
    const pdb = pdbs.find(
      (b) => b.namespace === o.namespace && selectorMatches(get(b.value, ['spec', 'selector']), labels),
    );
    if (!pdb) {
      out.push(
        at(
          o,
          ['metadata', 'name'],
          'warn',
          'no PodDisruptionBudget selects its pods: a node drain may evict every replica at once',
        ),
      );
      continue;
    }
    const spec = get(pdb.value, ['spec']);
    const maxUnavailable = isObj(spec) ? spec.maxUnavailable : undefined;
    const minAvailable = isObj(spec) ? spec.minAvailable : undefined;
    if (maxUnavailable === 0 || maxUnavailable === '0%' || minAvailable === '100%') {
      out.push(at(pdb, ['spec'], 'warn', 'the PodDisruptionBudget allows no disruption at all: node drains will hang'));
    } else {
      out.push({ level: 'pass', message: `${ref(pdb)} protects ${ref(o)}` });
    }
  }
  return out;
}
