/**
 * Defaulting the API server applies on every write (defaults.go of each k8s.io/kubernetes/pkg/apis group), so
 * a read-back object looks like one from a real cluster and template comparisons behave the same.
 */
import { isObject, type Container, type JsonObject, type KubeObject } from './types.js';

function setDefault(target: JsonObject, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

function ensureObject(target: JsonObject, key: string): JsonObject {
  if (!isObject(target[key])) target[key] = {};
  return target[key] as JsonObject;
}

/** `latest` or no tag pulls every time; anything else only when missing (digests included). */
export function defaultPullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon < 0 ? '' : lastSegment.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Container): void {
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setDefault(c, 'resources', {});
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isObject(p)) setDefault(p, 'protocol', 'TCP');
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const value = c[probe];
    if (!isObject(value)) continue;
    setDefault(value, 'timeoutSeconds', 1);
    setDefault(value, 'periodSeconds', 10);
    setDefault(value, 'successThreshold', 1);
    setDefault(value, 'failureThreshold', 3);
    if (isObject(value.httpGet)) setDefault(value.httpGet, 'scheme', 'HTTP');
  }
}

export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['containers', 'initContainers']) {
    const containers = spec[list];
    if (Array.isArray(containers)) for (const c of containers) if (isObject(c)) defaultContainer(c as Container);
  }
}

function defaultTemplate(spec: JsonObject): void {
  const template = ensureObject(spec, 'template');
  ensureObject(template, 'metadata');
  defaultPodSpec(ensureObject(template, 'spec'));
}

function defaultDeployment(o: KubeObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObject(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = ensureObject(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', '25%');
    setDefault(rolling, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(spec);
}

/** Pod QoS class from the containers' requests and limits (Guaranteed needs both, equal, for cpu and memory). */
export function qosClass(pod: { spec?: unknown; [key: string]: unknown }): string {
  const containers = (
    isObject(pod.spec) && Array.isArray(pod.spec.containers) ? pod.spec.containers : []
  ) as Container[];
  const resources = containers.map(
    (c) =>
      (isObject(c.resources) ? c.resources : {}) as {
        requests?: Record<string, unknown>;
        limits?: Record<string, unknown>;
      },
  );
  if (resources.every((r) => !Object.keys(r.requests ?? {}).length && !Object.keys(r.limits ?? {}).length))
    return 'BestEffort';
  const guaranteed = resources.every((r) =>
    ['cpu', 'memory'].every(
      (k) =>
        r.limits?.[k] !== undefined && (r.requests?.[k] === undefined || String(r.requests[k]) === String(r.limits[k])),
    ),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function defaultPod(o: KubeObject): void {
  const spec = ensureObject(o, 'spec');
  defaultPodSpec(spec);
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  setDefault(spec, 'tolerations', [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  if (!isObject(o.status) || Object.keys(o.status).length === 0) o.status = { phase: 'Pending', qosClass: qosClass(o) };
}

let nextClusterIp = 1;

function defaultService(o: KubeObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.clusterIP === undefined) {
    const n = nextClusterIp++;
    spec.clusterIP = `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
  }
  setDefault(spec, 'clusterIPs', [spec.clusterIP]);
  setDefault(spec, 'ipFamilies', ['IPv4']);
  setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!isObject(p)) continue;
      setDefault(p, 'protocol', 'TCP');
      setDefault(p, 'targetPort', p.port);
    }
  }
  if (!isObject(o.status) || Object.keys(o.status).length === 0) o.status = { loadBalancer: {} };
}

function defaultNamespace(o: KubeObject): void {
  const name = o.metadata.name ?? '';
  o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'finalizers', ['kubernetes']);
  if (!isObject(o.status) || Object.keys(o.status).length === 0) o.status = { phase: 'Active' };
}

function defaultSecret(o: KubeObject): void {
  setDefault(o, 'type', 'Opaque');
  if (isObject(o.stringData)) {
    const data = ensureObject(o, 'data');
    for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    delete o.stringData;
  }
}

/** Apply the defaults of `kind` in place. Unknown kinds are stored as given. */
export function applyDefaults(kind: string, o: KubeObject): void {
  switch (kind) {
    case 'Deployment':
      return defaultDeployment(o);
    case 'ReplicaSet': {
      const spec = ensureObject(o, 'spec');
      setDefault(spec, 'replicas', 1);
      return defaultTemplate(spec);
    }
    case 'Pod':
      return defaultPod(o);
    case 'Service':
      return defaultService(o);
    case 'Namespace':
      return defaultNamespace(o);
    case 'Secret':
      return defaultSecret(o);
    case 'Node':
      if (!isObject(o.status)) o.status = {};
      return;
  }
}
