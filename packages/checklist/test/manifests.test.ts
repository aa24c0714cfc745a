import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { memoryLogger } from '@ralph-deploy/common';
import { manifestsCheck, evaluateManifests } from '../src/checks/manifests/index.js';
import { loadManifests } from '../src/checks/manifests/objects.js';
import { parseManifestParams } from '../src/checks/manifests/params.js';
import { parseImage } from '../src/checks/manifests/rules/image.js';
import { createCheckContext } from '../src/context.js';
import type { Finding } from '../src/types.js';
import { examplesDir, guideDir, lineOf } from './helpers.js';

const all = parseManifestParams({});
const problems = (fs: Finding[]) => fs.filter((f) => f.level !== 'pass');

async function check(yamlText: string, params: Record<string, unknown> = {}): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
  writeFileSync(join(dir, 'm.yaml'), yamlText);
  return evaluateManifests(await loadManifests(['m.yaml'], dir), parseManifestParams(params));
}

const deployment = (spec: string, podSpec = '', container = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
${spec}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
${podSpec}
      containers:
      - name: app
        image: repo/app:1.0
${container}
`;

describe("the guide's manifests", () => {
  const deploy = `${guideDir}/k8s/production/deployment.yaml`;
  const security = `${guideDir}/k8s/production/security.yaml`;
  const ingress = `${guideDir}/k8s/production/ingress.yaml`;
  let findings: Finding[];
  const find = (file: string, re: RegExp) => findings.find((f) => f.file === file && re.test(f.message));

  it('produce the findings a careful reviewer expects, each at file:line', async () => {
    findings = evaluateManifests(await loadManifests(['k8s'], guideDir), all);
    const psp = find('k8s/production/security.yaml', /PodSecurityPolicy was removed in Kubernetes 1\.25/);
    expect(psp).toMatchObject({ level: 'fail', line: lineOf(security, 'apiVersion: policy/v1beta1') });
    expect(find('k8s/production/deployment.yaml', /container ralph has no securityContext/)).toMatchObject({
      level: 'fail',
      line: lineOf(deploy, '- name: ralph'),
    });
    expect(find('k8s/production/deployment.yaml', /no HorizontalPodAutoscaler/)).toMatchObject({
      level: 'fail',
      line: lineOf(deploy, 'kind: Deployment'),
    });
    expect(find('k8s/production/deployment.yaml', /namespace production has no Namespace manifest/)).toMatchObject({
      level: 'fail',
      line: lineOf(deploy, 'namespace: production'),
    });
    expect(find('k8s/production/deployment.yaml', /pinned by tag only/)).toMatchObject({
      level: 'warn',
      line: lineOf(deploy, 'image: ghcr.io'),
    });
    expect(find('k8s/production/security.yaml', /no DNS/)).toMatchObject({
      level: 'warn',
      line: lineOf(security, 'egress:'),
    });
    expect(find('k8s/production/security.yaml', /namespaceSelector: \{\} allows only in-cluster pods/)).toMatchObject({
      level: 'warn',
    });
    expect(find('k8s/production/security.yaml', /"name" label/)).toMatchObject({ level: 'warn' });
    expect(find('k8s/production/deployment.yaml', /no PodDisruptionBudget/)).toMatchObject({
      level: 'warn',
      line: lineOf(deploy, 'name: ralph-orchestrator'),
    });
    expect(find('k8s/production/ingress.yaml', /backend Service ralph-service is not defined/)).toMatchObject({
      level: 'warn',
      line: lineOf(ingress, 'backend:'),
    });
    expect(find('k8s/production/ingress.yaml', /ingress\.class annotation is deprecated/)).toMatchObject({
      level: 'warn',
      line: lineOf(ingress, 'kubernetes.io/ingress.class'),
    });
  });

  it('passes what the guide gets right', () => {
    const passed = findings.filter((f) => f.level === 'pass').map((f) => f.message);
    expect(passed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/requests 2 vCPU \/ 4Gi/),
        expect.stringMatching(/liveness and readiness/),
        expect.stringMatching(/pod anti-affinity/),
        expect.stringMatching(/maxUnavailable 0/),
        expect.stringMatching(/secret volume secrets mode 0400/),
        expect.stringMatching(/ingress\/ralph-ingress: TLS/),
      ]),
    );
  });

  it('warns that the guide requests only the minimum, not the recommended 4 vCPU / 8Gi', async () => {
    const objs = await loadManifests(['k8s'], guideDir);
    const rec = evaluateManifests(
      objs,
      parseManifestParams({ rules: ['resources'], 'min-cpu': '4', 'min-memory': '8Gi' }),
    );
    expect(problems(rec).map((f) => f.message)).toEqual([
      expect.stringMatching(/requests.cpu 2 is below 4 vCPU/),
      expect.stringMatching(/requests.memory 4Gi is below 8Gi/),
    ]);
    expect(
      problems(
        evaluateManifests(
          objs,
          parseManifestParams({ rules: ['resources'], 'min-cpu': '4', 'min-memory': '8Gi', against: 'limits' }),
        ),
      ),
    ).toEqual([]);
  });
});

describe('the corrected examples/k8s', () => {
  it('pass every rule', async () => {
    const findings = evaluateManifests(await loadManifests(['k8s'], examplesDir), all);
    expect(problems(findings)).toEqual([]);
    expect(findings.length).toBeGreaterThan(10);
  });
});

describe('manifest rules', () => {
  it('reads resource quantities in every notation', async () => {
    const f = await check(
      deployment(
        '  replicas: 2',
        '',
        '        resources: {requests: {cpu: 2000m, memory: 4096Mi}, limits: {cpu: "4e0", memory: 8G}}',
      ),
      { rules: ['resources'] },
    );
    expect(problems(f)).toEqual([]);
    const low = await check(
      deployment(
        '  replicas: 2',
        '',
        '        resources: {requests: {cpu: 1500m, memory: 4G}, limits: {cpu: 1, memory: 8Gi}}',
      ),
      { rules: ['resources'] },
    );
    expect(problems(low).map((x) => x.message)).toEqual([
      expect.stringMatching(/limits.cpu is below requests.cpu/),
      expect.stringMatching(/requests.cpu 1.5 is below 2 vCPU/),
      expect.stringMatching(/requests.memory 3\.73Gi is below 4Gi/),
    ]);
    const none = await check(deployment('  replicas: 2'), { rules: ['resources'] });
    expect(problems(none)).toHaveLength(4);
    expect(none[0]?.line).toBe(16); // the container's "- name: app" line
  });

  it('distinguishes YAML octal 0400, JSON 256 and a decimal 400 slip', async () => {
    const vol = (mode: string) =>
      deployment('  replicas: 2', `      volumes:\n      - name: s\n        secret: {secretName: x${mode}}`);
    expect(problems(await check(vol(', defaultMode: 0400'), { rules: ['secret-mode'] }))).toEqual([]);
    expect(problems(await check(vol(', defaultMode: 256'), { rules: ['secret-mode'] }))).toEqual([]);
    expect(
      problems(await check(vol(', defaultMode: 0440'), { rules: ['secret-mode'], 'secret-mode': '0440' })),
    ).toEqual([]);
    const slip = problems(await check(vol(', defaultMode: 400'), { rules: ['secret-mode'] }));
    expect(slip[0]?.message).toMatch(/mode 0620 is more permissive than 0400 \(decimal 400 is 0620/);
    expect(problems(await check(vol(''), { rules: ['secret-mode'] }))[0]?.message).toMatch(/default to 0644/);
  });

  it('requires maxUnavailable 0 (the default 25% is not) and a surge', async () => {
    expect(problems(await check(deployment('  replicas: 2'), { rules: ['rolling-update'] }))[0]?.message).toMatch(
      /unset \(default 25%\)/,
    );
    expect(
      problems(await check(deployment('  strategy: {type: Recreate}'), { rules: ['rolling-update'] }))[0]?.message,
    ).toMatch(/Recreate/);
    expect(
      problems(
        await check(deployment('  strategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 0}}'), {
          rules: ['rolling-update'],
        }),
      )[0]?.message,
    ).toMatch(/cannot progress/);
    expect(
      problems(
        await check(deployment('  strategy: {rollingUpdate: {maxUnavailable: "0%", maxSurge: 1}}'), {
          rules: ['rolling-update'],
        }),
      ),
    ).toEqual([]);
  });

  it('checks replicas and an HPA of 2..10 that targets the Deployment', async () => {
    const hpa = (min: number, max: number, name = 'web') =>
      `---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, namespace: prod}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${name}}\n  minReplicas: ${min}\n  maxReplicas: ${max}\n`;
    const d = deployment('  replicas: 1');
    expect(problems(await check(d, { rules: ['replicas'] }))[0]?.message).toMatch(/replicas 1: fewer than 2/);
    expect(problems(await check(d + hpa(2, 10), { rules: ['hpa'] }))).toEqual([]);
    expect(problems(await check(d + hpa(1, 10), { rules: ['hpa'] }))[0]?.message).toMatch(/minReplicas 1 is below 2/);
    expect(problems(await check(d + hpa(2, 20), { rules: ['hpa'] }))[0]?.message).toMatch(/maxReplicas 20 is above 10/);
    expect(problems(await check(d + hpa(2, 10, 'other'), { rules: ['hpa'] }))[0]?.message).toMatch(
      /no HorizontalPodAutoscaler/,
    );
    // Without spec.replicas the HPA's minimum is what runs.
    expect(
      problems(await check(deployment('  revisionHistoryLimit: 3') + hpa(3, 10), { rules: ['replicas'] })),
    ).toEqual([]);
  });

  it('requires spreading that selects the pods themselves', async () => {
    const spread = (labels: string) =>
      deployment(
        '  replicas: 2',
        `      topologySpreadConstraints:\n      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: ${labels}}}`,
      );
    expect(problems(await check(spread('{app: web}'), { rules: ['spread'] }))).toEqual([]);
    expect(problems(await check(spread('{app: other}'), { rules: ['spread'] }))[0]?.message).toMatch(
      /no pod anti-affinity or topologySpreadConstraints/,
    );
  });

  it('checks every securityContext field PSA restricted needs, pod-level runAsNonRoot included', async () => {
    const sc =
      'securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}';
    const podSc = '      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}';
    expect(
      problems(await check(deployment('  replicas: 2', podSc, `        ${sc}`), { rules: ['security-context'] })),
    ).toEqual([]);
    const partial = problems(
      await check(
        deployment('  replicas: 2', '', '        securityContext: {runAsUser: 0, capabilities: {drop: [NET_RAW]}}'),
        { rules: ['security-context'] },
      ),
    );
    expect(partial[0]?.message).toMatch(
      /runAsNonRoot is not true; runAsUser is 0 \(root\); readOnlyRootFilesystem is not true; allowPrivilegeEscalation is not false; capabilities.drop does not include ALL; seccompProfile/,
    );
    expect(partial[0]?.line).toBe(18);
  });

  it('checks PSA labels: missing, weaker, and enough', async () => {
    const ns = (labels: string) =>
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n${labels}---\n` + deployment('  replicas: 2');
    expect(problems(await check(ns(''), { rules: ['pod-security'] }))[0]?.message).toMatch(
      /no pod-security.kubernetes.io\/enforce label/,
    );
    expect(
      problems(
        await check(ns('  labels: {pod-security.kubernetes.io/enforce: baseline}\n'), { rules: ['pod-security'] }),
      )[0]?.message,
    ).toMatch(/baseline, weaker than restricted/);
    expect(
      problems(
        await check(ns('  labels: {pod-security.kubernetes.io/enforce: restricted}\n'), { rules: ['pod-security'] }),
      ),
    ).toEqual([]);
    expect(
      problems(
        await check(ns('  labels: {pod-security.kubernetes.io/enforce: baseline}\n'), {
          rules: ['pod-security'],
          'pod-security-level': 'baseline',
        }),
      ),
    ).toEqual([]);
  });

  it('reports removed API versions for the target Kubernetes version', async () => {
    const pdb =
      'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {maxUnavailable: 1}\n';
    expect(problems(await check(pdb, { rules: ['api-versions'] }))[0]?.message).toMatch(
      /removed in Kubernetes 1.25 .*use policy\/v1/,
    );
    expect(problems(await check(pdb, { rules: ['api-versions'], 'kubernetes-version': '1.24' }))).toEqual([]);
  });

  it('requires NetworkPolicies covering ingress and egress (policyTypes defaults included)', async () => {
    const np = (spec: string) =>
      `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n${spec}`;
    const d = deployment('  replicas: 2');
    expect(problems(await check(d, { rules: ['network-policy'] }))[0]?.message).toMatch(/no NetworkPolicy/);
    expect(problems(await check(d + np('  ingress: []\n'), { rules: ['network-policy'] }))[0]?.message).toMatch(
      /Egress traffic is not restricted/,
    );
    const dns =
      '  egress:\n  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]\n    ports: [{protocol: UDP, port: 53}]\n';
    expect(problems(await check(d + np(`  ingress: []\n${dns}`), { rules: ['network-policy'] }))).toEqual([]);
  });

  it('parses image references and grades pinning', async () => {
    expect(parseImage('registry:5000/team/app')).toEqual({ repository: 'registry:5000/team/app' });
    expect(parseImage('registry:5000/team/app:1.2@sha256:abc')).toEqual({
      repository: 'registry:5000/team/app',
      tag: '1.2',
      digest: 'sha256:abc',
    });
    const img = (image: string) => deployment('  replicas: 2').replace('image: repo/app:1.0', `image: ${image}`);
    expect(problems(await check(img('repo/app'), { rules: ['image'] }))[0]).toMatchObject({
      level: 'fail',
      message: expect.stringMatching(/no tag/),
    });
    expect(problems(await check(img('repo/app:latest'), { rules: ['image'] }))[0]).toMatchObject({
      level: 'fail',
      message: expect.stringMatching(/:latest/),
    });
    expect(problems(await check(img(`repo/app@sha256:${'a'.repeat(64)}`), { rules: ['image'] }))).toEqual([]);
  });

  it('requires TLS for every Ingress host and an HTTPS redirect', async () => {
    const ing = (ann: string, tls: string) =>
      `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i\n  annotations: {${ann}}\nspec:\n${tls}  rules:\n  - host: a.example.com\n  - host: b.other.com\n`;
    const tls = '  tls:\n  - hosts: ["*.example.com"]\n    secretName: t\n';
    const f = problems(
      await check(ing('nginx.ingress.kubernetes.io/force-ssl-redirect: "true"', tls), { rules: ['ingress-tls'] }),
    );
    expect(f.map((x) => x.message)).toEqual([expect.stringMatching(/host b.other.com is not listed/)]);
    expect(f[0]?.line).toBe(12);
    expect(problems(await check(ing('', tls), { rules: ['ingress-tls'] })).map((x) => x.message)).toContainEqual(
      expect.stringMatching(/no ssl-redirect annotation/),
    );
    expect(
      problems(await check(ing('alb.ingress.kubernetes.io/ssl-redirect: "443"', ''), { rules: ['ingress-tls'] }))[0]
        ?.message,
    ).toMatch(/no spec.tls/);
  });

  it('reads objects inside a kind: List and JSON manifests, pointing into them', async () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a, namespace: prod}\n  spec:\n    template:\n      spec:\n        containers:\n        - name: c\n          image: repo/app:latest\n`;
    const f = problems(await check(list, { rules: ['image'] }));
    expect(f).toEqual([
      expect.objectContaining({
        level: 'fail',
        line: 12,
        message: expect.stringMatching(/deployment\/a: container c: image repo\/app:latest uses :latest/),
      }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
    writeFileSync(
      join(dir, 'd.json'),
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'j' },
        spec: { template: { spec: { containers: [{ name: 'c', image: 'repo/app' }] } } },
      }),
    );
    writeFileSync(join(dir, 'notes.txt'), 'kind: Deployment');
    const objs = await loadManifests(['.'], dir);
    expect(objs.map((o) => `${o.kind}/${o.name}`)).toEqual(['Deployment/j']);
  });

  it('warns without a PodDisruptionBudget, or with one that allows no disruption', async () => {
    const pdb = (spec: string) =>
      `---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p, namespace: prod}\nspec:\n  selector: {matchLabels: {app: web}}\n  ${spec}\n`;
    const d = deployment('  replicas: 2');
    expect(problems(await check(d, { rules: ['disruption-budget'] }))[0]).toMatchObject({ level: 'warn', line: 4 });
    expect(problems(await check(d + pdb('maxUnavailable: 0'), { rules: ['disruption-budget'] }))[0]?.message).toMatch(
      /allows no disruption/,
    );
    expect(problems(await check(d + pdb('minAvailable: 1'), { rules: ['disruption-budget'] }))).toEqual([]);
  });

  it('rejects bad parameters with the parameter named', () => {
    expect(() => parseManifestParams({ rules: ['nope'] })).toThrow(/unknown manifests rule 'nope'/);
    expect(() => parseManifestParams({ 'min-memory': '4GB' })).toThrow(/'min-memory' is not a Kubernetes quantity/);
  });
});

describe('manifestsCheck.run', () => {
  const ctx = (targets: object, cwd = guideDir) =>
    createCheckContext({ cwd, log: memoryLogger(), signal: new AbortController().signal, targets });
  it('skips a default path that does not exist and fails an explicit one', async () => {
    const p = parseManifestParams({ rules: ['image'] });
    expect((await manifestsCheck.run(p, ctx({ manifests: ['k8s/missing'] }))).skipped).toMatch(/no manifests/);
    const explicit = await manifestsCheck.run(p, ctx({ manifests: ['k8s/missing'], manifestsExplicit: true }));
    expect(explicit.findings[0]).toMatchObject({ level: 'fail', message: 'manifest path k8s/missing does not exist' });
  });
  it('turns a YAML syntax error into a failing finding at file:line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
    writeFileSync(join(dir, 'bad.yaml'), 'kind: Deployment\nmetadata:\n  name: [x\n');
    const r = await manifestsCheck.run(
      parseManifestParams({}),
      ctx({ manifests: ['.'], manifestsExplicit: true }, dir),
    );
    expect(r.findings[0]).toMatchObject({ level: 'fail', file: 'bad.yaml', line: expect.any(Number) });
  });
});
