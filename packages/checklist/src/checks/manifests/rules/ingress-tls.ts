import type { Finding } from '../../../types.js';
import { at, get, isObj, list, ref, type K8sObject } from '../objects.js';

/** Annotations by which common controllers redirect HTTP to HTTPS. */
const REDIRECT_ANNOTATIONS: Record<string, (v: string) => boolean> = {
  'nginx.ingress.kubernetes.io/ssl-redirect': (v) => v === 'true',
  'nginx.ingress.kubernetes.io/force-ssl-redirect': (v) => v === 'true',
  'alb.ingress.kubernetes.io/ssl-redirect': (v) => /^\d+$/.test(v),
  'traefik.ingress.kubernetes.io/router.entrypoints': (v) => v.split(',').every((e) => e.trim() === 'websecure'),
  'ingress.kubernetes.io/ssl-redirect': (v) => v === 'true',
};

function hostCovered(host: string, tlsHosts: string[]): boolean {
  return tlsHosts.some(
    (t) =>
      t === host || (t.startsWith('*.') && host.endsWith(t.slice(1)) && !host.slice(0, -t.length + 1).includes('.')),
  );
}

/** Every Ingress serves TLS for all its hosts and redirects plain HTTP to HTTPS. */
export function checkIngressTls(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  const ingresses = objects.filter((o) => o.kind === 'Ingress');
  if (ingresses.length === 0)
    return [{ level: 'fail', message: 'no Ingress in the manifests: nothing terminates TLS for the service' }];
  for (const o of ingresses) {
    const tls = list(get(o.value, ['spec', 'tls']));
    const tlsHosts = tls.flatMap((t) => (isObj(t) ? list(t.hosts).map(String) : []));
    const hosts = list(get(o.value, ['spec', 'rules'])).flatMap((r) =>
      isObj(r) && typeof r.host === 'string' ? [r.host] : [],
    );
    let ok = true;
    if (tls.length === 0) {
      out.push(at(o, ['spec'], 'fail', 'no spec.tls: traffic is served in plain HTTP'));
      ok = false;
    } else {
      for (const [i, h] of hosts.entries()) {
        if (!hostCovered(h, tlsHosts)) {
          out.push(at(o, ['spec', 'rules', i, 'host'], 'fail', `host ${h} is not listed in spec.tls hosts`));
          ok = false;
        }
      }
      tls.forEach((t, i) => {
        if (!isObj(t) || typeof t.secretName !== 'string') {
          out.push(
            at(
              o,
              ['spec', 'tls', i],
              'warn',
              'tls entry has no secretName: the controller serves its default certificate',
            ),
          );
        }
      });
    }
    const annotations = get(o.value, ['metadata', 'annotations']);
    const ann = isObj(annotations) ? annotations : {};
    const redirect = Object.entries(REDIRECT_ANNOTATIONS).find(
      ([k, ok2]) => typeof ann[k] === 'string' && ok2(ann[k] as string),
    );
    if (!redirect) {
      out.push(
        at(
          o,
          ['metadata'],
          'fail',
          'no ssl-redirect annotation (e.g. nginx.ingress.kubernetes.io/force-ssl-redirect: "true"): plain HTTP is not redirected',
        ),
      );
      ok = false;
    }
    // A backend Service missing from the same manifests routes the host nowhere (or to something else).
    const services = new Set(
      objects.filter((x) => x.kind === 'Service' && x.namespace === o.namespace).map((x) => x.name),
    );
    const backends = list(get(o.value, ['spec', 'rules'])).flatMap((r, i) =>
      list(get(r, ['http', 'paths'])).map((pth, j) => ({
        name: get(pth, ['backend', 'service', 'name']),
        path: ['spec', 'rules', i, 'http', 'paths', j, 'backend'],
      })),
    );
    for (const b of backends) {
      if (typeof b.name === 'string' && !services.has(b.name)) {
        out.push(
          at(o, b.path, 'warn', `backend Service ${b.name} is not defined in the manifests (namespace ${o.namespace})`),
        );
      }
    }
    if ('kubernetes.io/ingress.class' in ann) {
      out.push(
        at(
          o,
          ['metadata', 'annotations', 'kubernetes.io/ingress.class'],
          'warn',
          'the kubernetes.io/ingress.class annotation is deprecated; use spec.ingressClassName',
        ),
      );
    }
    if (ok)
      out.push({
        level: 'pass',
        message: `${ref(o)}: TLS for ${hosts.join(', ') || 'all hosts'} with ${redirect?.[0]}`,
      });
  }
  return out;
}
