import type { KubernetesObject } from '@kubernetes/client-node';
import { ActionError, SourceError, errorMessage, type Logger } from '@ralph-deploy/common';
import type { KubeApi } from './client.js';
import { KubeApiError } from './errors.js';
import { applyOrder, type Manifest } from './manifests.js';

export interface AppliedObject {
  kind: string;
  name: string;
  namespace?: string;
  file: string;
  line: number;
  /** Server's metadata.generation after the apply (workloads), for telling a change from a no-op. */
  generation?: number;
}

export interface ApplyOptions {
  defaultNamespace: string;
  dryRun: boolean;
  log: Logger;
}

/**
 * Server-side applies the manifests (field manager ralph-deploy, force). Every object is first
 * applied with dryRun=All, so a manifest the server rejects changes nothing at all; with `dryRun`
 * that validation is all that happens. A rejection is reported at the manifest's file:line.
 */
export async function applyManifests(
  api: KubeApi,
  manifests: Manifest[],
  options: ApplyOptions,
): Promise<AppliedObject[]> {
  const ordered = applyOrder(manifests);
  const creates = new Set(ordered.filter((m) => m.object.kind === 'Namespace').map((m) => m.object.metadata?.name));
  for (const m of ordered) {
    try {
      await api.apply(m.object, { dryRun: true, defaultNamespace: options.defaultNamespace });
    } catch (e: unknown) {
      // A namespace created by this same set does not exist yet during the dry run.
      const missingNs = /namespaces? "([^"]+)" not found/.exec(errorMessage(e))?.[1];
      if (missingNs && creates.has(missingNs)) continue;
      throw rejection(m, e, 'validating');
    }
  }
  if (options.dryRun) {
    options.log.info(`dry run: the server accepted all ${ordered.length} object(s); nothing was applied`);
    return ordered.map((m) => describe(m));
  }
  const applied: AppliedObject[] = [];
  for (const m of ordered) {
    let result: KubernetesObject;
    try {
      result = await api.apply(m.object, { dryRun: false, defaultNamespace: options.defaultNamespace });
    } catch (e: unknown) {
      const done = applied.map((a) => `${a.kind}/${a.name}`).join(', ');
      throw rejection(m, e, 'applying', done ? ` (already applied: ${done})` : '');
    }
    const generation =
      result.metadata && 'generation' in result.metadata
        ? (result.metadata as { generation?: number }).generation
        : undefined;
    const entry = describe(m, result.metadata?.namespace, generation);
    applied.push(entry);
    options.log.info(
      `applied ${entry.kind}/${entry.name}${entry.namespace ? ` in ${entry.namespace}` : ''} (${m.file}:${m.line})`,
    );
  }
  return applied;
}

function describe(m: Manifest, namespace = m.object.metadata?.namespace, generation?: number): AppliedObject {
  return {
    kind: m.object.kind ?? '?',
    name: m.object.metadata?.name ?? '?',
    ...(namespace ? { namespace } : {}),
    file: m.file,
    line: m.line,
    ...(generation !== undefined ? { generation } : {}),
  };
}

function rejection(m: Manifest, e: unknown, verb: string, suffix = ''): ActionError {
  const what = `${m.object.kind}/${m.object.metadata?.name}`;
  if (e instanceof KubeApiError && e.status >= 400 && e.status < 500) {
    return new SourceError(
      { file: m.file, line: m.line, column: 1 },
      `the server rejected ${what} while ${verb}: ${e.message}${suffix}`,
    );
  }
  return new ActionError(`${m.file}:${m.line}: ${verb} ${what} failed: ${errorMessage(e)}${suffix}`, {
    annotations: [
      { level: 'error', file: m.file, line: m.line, message: `${verb} ${what} failed: ${errorMessage(e)}` },
    ],
  });
}
