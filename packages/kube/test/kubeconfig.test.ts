import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ActionError, InputError } from '@ralph-deploy/common';
import { loadKubeConfig } from '../src/kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
const file = join(dir, 'config');
writeFileSync(
  file,
  `apiVersion: v1
kind: Config
current-context: one
clusters:
- name: c1
  cluster: { server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true }
- name: c2
  cluster: { server: "https://127.0.0.1:7443", insecure-skip-tls-verify: true }
users:
- name: u
  user: { token: abc }
contexts:
- name: one
  context: { cluster: c1, user: u }
- name: two
  context: { cluster: c2, user: u }
`,
);

describe('loadKubeConfig', () => {
  it('uses the kubeconfig input and its current context', () => {
    expect(loadKubeConfig({ kubeconfig: file, env: {} }).getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  });

  it('selects another context', () => {
    expect(loadKubeConfig({ kubeconfig: file, context: 'two', env: {} }).getCurrentCluster()?.server).toBe(
      'https://127.0.0.1:7443',
    );
  });

  it('names the input and the known contexts when the context does not exist', () => {
    expect(() => loadKubeConfig({ kubeconfig: file, context: 'three', env: {} })).toThrow(
      new InputError('context', 'no context "three" in the kubeconfig (it has: one, two)'),
    );
  });

  it('says so when there are no credentials at all instead of falling back to localhost:8080', () => {
    expect(() => loadKubeConfig({ env: { HOME: dir } })).toThrow(ActionError);
    expect(() => loadKubeConfig({ env: { HOME: dir } })).toThrow(/No Kubernetes credentials/);
  });

  it('names a missing kubeconfig file', () => {
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'nope'), env: {} })).toThrow(
      /Input 'kubeconfig': file ".*nope" does not exist/,
    );
  });
});
