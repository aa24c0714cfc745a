import type { V1Container, V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';
import { InputError } from '@ralph-deploy/common';
import { isObject, type Manifest } from './manifests.js';

/** ghcr.io/acme/web:1.2@sha256:... -> ghcr.io/acme/web (a registry port is not a tag). */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * The image for `current` from an `images` entry: a full reference replaces it; ":tag" or
 * "@sha256:..." keeps the repository and changes only the tag or digest (as kustomize's newTag).
 */
export function substituteImage(current: string, replacement: string): string {
  if (replacement.startsWith(':') || replacement.startsWith('@')) return `${imageRepository(current)}${replacement}`;
  return replacement;
}

/** The pod template inside a workload object (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod). */
export function podTemplateOf(object: Record<string, unknown>): { spec?: Record<string, unknown> } | undefined {
  const spec = object.spec;
  if (!isObject(spec)) return undefined;
  if (object.kind === 'Pod') return { spec };
  if (object.kind === 'CronJob') {
    const jobSpec = isObject(spec.jobTemplate) && isObject(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
    return jobSpec && isObject(jobSpec.template) ? (jobSpec.template as { spec?: Record<string, unknown> }) : undefined;
  }
  return isObject(spec.template) ? (spec.template as { spec?: Record<string, unknown> }) : undefined;
}

function containersOf(template: { spec?: Record<string, unknown> } | undefined): Record<string, unknown>[] {
  const spec = template?.spec;
  if (!spec) return [];
  return [
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
    ...(Array.isArray(spec.containers) ? spec.containers : []),
  ].filter(isObject);
}

export interface ImageChange {
  object: string;
  container: string;
  from: string;
  to: string;
}

/** Rewrites images in place across all workloads by repository name (`images` input). Returns what changed. */
export function applyImageMap(manifests: Manifest[], images: Record<string, string>): ImageChange[] {
  const changes: ImageChange[] = [];
  const byRepo = new Map(Object.entries(images).map(([k, v]) => [imageRepository(k), v]));
  const used = new Set<string>();
  for (const m of manifests) {
    for (const c of containersOf(podTemplateOf(m.object))) {
      if (typeof c.image !== 'string') continue;
      const repo = imageRepository(c.image);
      const replacement = byRepo.get(repo);
      if (replacement === undefined) continue;
      used.add(repo);
      const to = substituteImage(c.image, replacement);
      if (to !== c.image)
        changes.push({
          object: `${m.object.kind}/${m.object.metadata?.name}`,
          container: String(c.name),
          from: c.image,
          to,
        });
      c.image = to;
    }
  }
  const unused = [...byRepo.keys()].filter((r) => !used.has(r));
  if (unused.length > 0)
    throw new InputError('images', `no container in the manifests uses ${unused.map((u) => `"${u}"`).join(', ')}`);
  return changes;
}

/**
 * Which container `image` applies to: the `container` input, or the only container of the pod
 * template. Errors name the input and list the containers there are.
 */
export function pickContainer(containers: { name?: string }[], wanted: string | undefined, where: string): string {
  const names = containers.map((c) => c.name ?? '?');
  if (wanted) {
    if (!names.includes(wanted))
      throw new InputError(
        'container',
        `${where} has no container "${wanted}" (it has: ${names.join(', ') || 'none'})`,
      );
    return wanted;
  }
  if (names.length === 1) return names[0] as string;
  throw new InputError(
    'container',
    `${where} has ${names.length} containers (${names.join(', ')}): name the one whose image to set`,
  );
}

/** Sets the image of one container in a manifest's pod template (in place). Returns the old image. */
export function setManifestImage(manifest: Manifest, container: string | undefined, image: string): ImageChange {
  const containers = (podTemplateOf(manifest.object)?.spec?.containers ?? []) as V1Container[];
  const where = `${manifest.object.kind} "${manifest.object.metadata?.name}" (${manifest.file}:${manifest.line})`;
  const name = pickContainer(containers, container, where);
  const c = containers.find((x) => x.name === name) as V1Container;
  const from = c.image ?? '';
  c.image = image;
  return { object: `${manifest.object.kind}/${manifest.object.metadata?.name}`, container: name, from, to: image };
}

/** The strategic merge patch that sets one container's image (containers merge by name). */
export function imagePatch(
  deployment: V1Deployment,
  container: string | undefined,
  image: string,
  changeCause: string | undefined,
) {
  const template: V1PodTemplateSpec | undefined = deployment.spec?.template;
  const where = `Deployment ${deployment.metadata?.namespace}/${deployment.metadata?.name}`;
  const name = pickContainer(template?.spec?.containers ?? [], container, where);
  const from = template?.spec?.containers.find((c) => c.name === name)?.image ?? '';
  const patch = {
    ...(changeCause ? { metadata: { annotations: { 'kubernetes.io/change-cause': changeCause } } } : {}),
    spec: { template: { spec: { containers: [{ name, image }] } } },
  };
  return { container: name, from, to: image, patch, changed: from !== image };
}
