import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { applyImageMap, imagePatch, imageRepository, substituteImage } from '../src/images.js';
import { applyOrder, loadManifests } from '../src/manifests.js';

const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
writeFileSync(
  join(dir, 'a.yaml'),
  `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      initContainers: [{ name: migrate, image: "registry:5000/acme/web:1" }]
      containers: [{ name: web, image: "registry:5000/acme/web:1" }, { name: proxy, image: envoy:1.30 }]
---
apiVersion: v1
kind: List
items:
  - { apiVersion: v1, kind: ConfigMap, metadata: { name: cfg } }
  - { apiVersion: v1, kind: Namespace, metadata: { name: ns } }
`,
);

describe('image references', () => {
  it('finds the repository without tag or digest, keeping a registry port', () => {
    expect(imageRepository('registry:5000/acme/web:1.2')).toBe('registry:5000/acme/web');
    expect(imageRepository('acme/web@sha256:abc')).toBe('acme/web');
    expect(imageRepository('nginx')).toBe('nginx');
  });
  it('substitutes a full reference, or only the tag or digest', () => {
    expect(substituteImage('acme/web:1', 'acme/web:2')).toBe('acme/web:2');
    expect(substituteImage('acme/web:1', ':2')).toBe('acme/web:2');
    expect(substituteImage('acme/web:1', '@sha256:ff')).toBe('acme/web@sha256:ff');
  });
});

describe('manifests', () => {
  it('loads every document, expands List, and orders Namespace and ConfigMap before the Deployment', () => {
    const m = loadManifests([dir], '/');
    expect(m.map((x) => x.object.kind)).toEqual(['Deployment', 'ConfigMap', 'Namespace']);
    expect(m[0]?.line).toBe(1);
    expect(applyOrder(m).map((x) => x.object.kind)).toEqual(['Namespace', 'ConfigMap', 'Deployment']);
  });

  it('reads manifests as YAML 1.1, as Kubernetes does: defaultMode 0400 is octal', () => {
    const d = mkdtempSync(join(tmpdir(), 'octal-'));
    writeFileSync(
      join(d, 'cm.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  volumes:\n    - name: s\n      secret:\n        secretName: s\n        defaultMode: 0400\n',
    );
    const pod = loadManifests([d], '/')[0]?.object as unknown as {
      spec: { volumes: { secret: { defaultMode: number } }[] };
    };
    expect(pod.spec.volumes[0]?.secret.defaultMode).toBe(0o400);
  });

  it('rewrites images by repository in init and regular containers, and names unused entries', () => {
    const m = loadManifests([dir], '/');
    const changes = applyImageMap(m, { 'registry:5000/acme/web': ':2' });
    expect(changes.map((c) => `${c.container}=${c.to}`)).toEqual([
      'migrate=registry:5000/acme/web:2',
      'web=registry:5000/acme/web:2',
    ]);
    expect(() => applyImageMap(loadManifests([dir], '/'), { 'acme/api': ':9' })).toThrow(
      `Input 'images': no container in the manifests uses "acme/api"`,
    );
  });

  it('reports a missing path and an object without metadata.name', () => {
    expect(() => loadManifests(['nope'], dir)).toThrow(`Input 'manifests': "nope" does not exist`);
    writeFileSync(join(dir, 'z.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n');
    expect(() => loadManifests(['z.yml'], dir)).toThrow(/^z\.yml:3:\d+: the ConfigMap has no metadata\.name$/);
  });
});

describe('imagePatch', () => {
  it('is a strategic merge patch on the named container and tells whether it changes anything', () => {
    const d = {
      metadata: { name: 'web', namespace: 'prod' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'web', image: 'a:1' }] } } },
    };
    expect(imagePatch(d, undefined, 'a:2', 'why')).toEqual({
      container: 'web',
      from: 'a:1',
      to: 'a:2',
      changed: true,
      patch: {
        metadata: { annotations: { 'kubernetes.io/change-cause': 'why' } },
        spec: { template: { spec: { containers: [{ name: 'web', image: 'a:2' }] } } },
      },
    });
    expect(imagePatch(d, 'web', 'a:1', undefined).changed).toBe(false);
  });
});
