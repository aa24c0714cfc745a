import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SourceError, errorMessage } from '@ralph-deploy/common';
import type { CheckContext, CheckKind, CheckOutcome, Finding } from '../../types.js';
import { loadManifests, type K8sObject } from './objects.js';
import { parseManifestParams, type ManifestParams, type RuleName } from './params.js';
import {
  checkDisruptionBudget,
  checkHpa,
  checkReplicas,
  checkRollingUpdate,
  checkSpread,
} from './rules/availability.js';
import { checkApiVersions } from './rules/api-versions.js';
import { checkImages } from './rules/image.js';
import { checkIngressTls } from './rules/ingress-tls.js';
import { checkNetworkPolicy } from './rules/network-policy.js';
import { checkPodSecurity } from './rules/pod-security.js';
import { checkProbes } from './rules/probes.js';
import { checkResources } from './rules/resources.js';
import { checkSecretMode } from './rules/secret-mode.js';
import { checkSecurityContext } from './rules/security-context.js';

const RULE_FUNCTIONS: Record<RuleName, (objects: K8sObject[], p: ManifestParams) => Finding[]> = {
  resources: checkResources,
  probes: checkProbes,
  spread: checkSpread,
  'disruption-budget': checkDisruptionBudget,
  'rolling-update': checkRollingUpdate,
  replicas: checkReplicas,
  hpa: checkHpa,
  'security-context': checkSecurityContext,
  'pod-security': checkPodSecurity,
  'api-versions': checkApiVersions,
  'network-policy': checkNetworkPolicy,
  'secret-mode': checkSecretMode,
  image: checkImages,
  'ingress-tls': checkIngressTls,
};

/** Runs the given rules over already-loaded objects (pure; what the unit tests exercise). */
export function evaluateManifests(objects: K8sObject[], p: ManifestParams): Finding[] {
  return p.rules.flatMap((r) => RULE_FUNCTIONS[r](objects, p));
}

export const manifestsCheck: CheckKind<ManifestParams> = {
  kind: 'manifests',
  parse: parseManifestParams,
  async run(p, ctx: CheckContext): Promise<CheckOutcome> {
    const explicit = p.paths !== undefined || ctx.targets.manifestsExplicit === true;
    const paths = p.paths ?? ctx.targets.manifests ?? [];
    if (paths.length === 0) return { skipped: "no manifests configured (input 'manifests')", findings: [] };
    const missing = paths.filter((x) => !existsSync(resolve(ctx.cwd, x)));
    if (missing.length === paths.length && !explicit) {
      return { skipped: `no manifests at ${paths.join(', ')} (input 'manifests')`, findings: [] };
    }
    if (missing.length > 0)
      return {
        findings: missing.map((m) => ({ level: 'fail', message: `manifest path ${m} does not exist`, file: m })),
      };
    let objects: K8sObject[];
    try {
      objects = await ctx.memo(`manifests:${paths.join('\0')}`, () => loadManifests(paths, ctx.cwd));
    } catch (e: unknown) {
      if (e instanceof SourceError) return { findings: [{ level: 'fail', message: errorMessage(e), ...e.location }] };
      return { findings: [{ level: 'fail', message: `cannot read manifests: ${errorMessage(e)}` }] };
    }
    if (objects.length === 0)
      return { findings: [{ level: 'fail', message: `no Kubernetes objects in ${paths.join(', ')}` }] };
    return { findings: evaluateManifests(objects, p) };
  },
};
