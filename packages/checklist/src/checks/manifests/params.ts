import { parseQuantity } from '../../quantity.js';

export const RULES = [
  'resources',
  'probes',
  'spread',
  'disruption-budget',
  'rolling-update',
  'replicas',
  'hpa',
  'security-context',
  'pod-security',
  'api-versions',
  'network-policy',
  'secret-mode',
  'image',
  'ingress-tls',
] as const;
export type RuleName = (typeof RULES)[number];

export interface ManifestParams {
  rules: RuleName[];
  /** Kinds that run the application (the guide's is a Deployment). */
  workloadKinds: string[];
  /** Minimum CPU (cores) and memory (bytes) for `resources`. */
  minCpu: number;
  minMemory: number;
  /** Which of requests or limits must reach the minimum. */
  against: 'requests' | 'limits';
  minReplicas: number;
  maxReplicas: number;
  /** Most permissive mode a secret volume may grant (0o400). */
  secretMode: number;
  podSecurityLevel: 'restricted' | 'baseline';
  /** The cluster version the manifests target (the guide's EKS 1.28). */
  kubernetesVersion: string;
  /** Manifest paths overriding the action's `manifests` input. */
  paths?: string[];
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`'${name}' must be a string`);
  return String(v);
}

function quantity(v: unknown, name: string): number {
  const q = parseQuantity(v);
  if (q === undefined || q <= 0) throw new Error(`'${name}' is not a Kubernetes quantity: ${JSON.stringify(v)}`);
  return q;
}

function int(v: unknown, name: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`'${name}' must be a whole number`);
  return n;
}

/** Parses an octal mode written as 0400 / "0400" / "0o400" or a decimal number (256). */
export function parseMode(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o777) return v;
  if (typeof v === 'string' && /^0o?[0-7]{1,3}$/.test(v)) return parseInt(v.replace(/^0o?/, '') || '0', 8);
  throw new Error(`'${name}' must be a file mode such as 0400`);
}

export function parseManifestParams(p: Record<string, unknown>): ManifestParams {
  const rules =
    p.rules === undefined
      ? [...RULES]
      : Array.isArray(p.rules)
        ? p.rules.map((r) => str(r, 'rules'))
        : [str(p.rules, 'rules')];
  for (const r of rules)
    if (!(RULES as readonly string[]).includes(r))
      throw new Error(`unknown manifests rule '${r}' (known: ${RULES.join(', ')})`);
  const against = p.against === undefined ? 'requests' : str(p.against, 'against');
  if (against !== 'requests' && against !== 'limits') throw new Error(`'against' must be requests or limits`);
  const level =
    p['pod-security-level'] === undefined ? 'restricted' : str(p['pod-security-level'], 'pod-security-level');
  if (level !== 'restricted' && level !== 'baseline')
    throw new Error(`'pod-security-level' must be restricted or baseline`);
  const kinds = p['workload-kinds'];
  const paths = p.paths;
  return {
    rules: rules as RuleName[],
    workloadKinds: Array.isArray(kinds) ? kinds.map((k) => str(k, 'workload-kinds')) : ['Deployment', 'StatefulSet'],
    minCpu: p['min-cpu'] === undefined ? 2 : quantity(p['min-cpu'], 'min-cpu'),
    minMemory: p['min-memory'] === undefined ? 4 * 2 ** 30 : quantity(p['min-memory'], 'min-memory'),
    against,
    minReplicas: p['min-replicas'] === undefined ? 2 : int(p['min-replicas'], 'min-replicas'),
    maxReplicas: p['max-replicas'] === undefined ? 10 : int(p['max-replicas'], 'max-replicas'),
    secretMode: p['secret-mode'] === undefined ? 0o400 : parseMode(p['secret-mode'], 'secret-mode'),
    podSecurityLevel: level,
    kubernetesVersion:
      p['kubernetes-version'] === undefined ? '1.28' : str(p['kubernetes-version'], 'kubernetes-version'),
    ...(paths !== undefined
      ? { paths: Array.isArray(paths) ? paths.map((x) => str(x, 'paths')) : [str(paths, 'paths')] }
      : {}),
  };
}
