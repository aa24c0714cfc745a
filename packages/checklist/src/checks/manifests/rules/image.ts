import type { Finding } from '../../../types.js';
import { at, containers, podSpecPath, ref, type K8sObject } from '../objects.js';

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `registry:5000/repo:tag@sha256:...` (a port's colon comes before the last slash). */
export function parseImage(image: string): ImageRef {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
  return {
    repository: tag !== undefined ? name.slice(0, colon) : name,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** Images are pinned: a digest passes, a version tag warns (tags move), no tag or `latest` fails. */
export function checkImages(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  for (const o of objects) {
    if (!podSpecPath(o)) continue;
    for (const c of containers(o, true)) {
      const image = typeof c.value.image === 'string' ? c.value.image : '';
      const path = [...c.path, 'image'];
      if (image === '') {
        out.push(at(o, c.path, 'fail', `container ${c.name} has no image`));
        continue;
      }
      const r = parseImage(image);
      if (r.digest) {
        if (/^sha256:[0-9a-f]{64}$/.test(r.digest))
          out.push({ level: 'pass', message: `${ref(o)}: container ${c.name} image pinned by digest` });
        else out.push(at(o, path, 'fail', `container ${c.name}: "${r.digest}" is not a sha256 digest`));
      } else if (!r.tag) {
        out.push(at(o, path, 'fail', `container ${c.name}: image ${image} has no tag (means :latest)`));
      } else if (r.tag === 'latest') {
        out.push(at(o, path, 'fail', `container ${c.name}: image ${image} uses :latest`));
      } else {
        out.push(
          at(
            o,
            path,
            'warn',
            `container ${c.name}: image ${image} is pinned by tag only; a tag can be moved, pin the digest (${r.repository}:${r.tag}@sha256:...)`,
          ),
        );
      }
    }
  }
  return out;
}
