/**
 * The list semantics Kubernetes' Go types declare with struct tags (patchMergeKey / patchStrategy for
 * strategic merge patch, listType / listMapKey for server-side apply), for the fields workloads use.
 * Lists not named here are atomic: a patch or an apply replaces them whole.
 */

export type ListSemantics = { type: 'map'; keys: string[]; patchKey: string } | { type: 'set' } | { type: 'atomic' };

/** `path` is the chain of field names from the object root to the list (no indices). */
export function listSemantics(path: readonly string[]): ListSemantics {
  const field = path[path.length - 1] ?? '';
  const parent = path[path.length - 2] ?? '';
  const inContainer = path.some((p) => p === 'containers' || p === 'initContainers' || p === 'ephemeralContainers');
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'imagePullSecrets':
    case 'schedulingGates':
    case 'resourceClaims':
      return { type: 'map', keys: ['name'], patchKey: 'name' };
    case 'env':
      return inContainer ? { type: 'map', keys: ['name'], patchKey: 'name' } : { type: 'atomic' };
    case 'volumeMounts':
      return { type: 'map', keys: ['mountPath'], patchKey: 'mountPath' };
    case 'volumeDevices':
      return { type: 'map', keys: ['devicePath'], patchKey: 'devicePath' };
    case 'ports':
      if (inContainer) return { type: 'map', keys: ['containerPort', 'protocol'], patchKey: 'containerPort' };
      if (parent === 'spec' && path.length === 2) return { type: 'map', keys: ['port', 'protocol'], patchKey: 'port' };
      return { type: 'atomic' };
    case 'hostAliases':
      return { type: 'map', keys: ['ip'], patchKey: 'ip' };
    case 'topologySpreadConstraints':
      return { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'], patchKey: 'topologyKey' };
    case 'conditions':
      return { type: 'map', keys: ['type'], patchKey: 'type' };
    case 'ownerReferences':
      return path.length === 2 ? { type: 'map', keys: ['uid'], patchKey: 'uid' } : { type: 'atomic' };
    case 'finalizers':
      return path.length === 2 ? { type: 'set' } : { type: 'atomic' };
    default:
      return { type: 'atomic' };
  }
}

/** Default values the API server fills in for list-map keys that an apply may omit (e.g. protocol: TCP). */
export function keyDefaults(field: string): Record<string, unknown> {
  return field === 'ports' ? { protocol: 'TCP' } : {};
}
