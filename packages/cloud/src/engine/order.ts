import { resourceKey, type AnyResource } from './types.js';

/**
 * Resources in dependency order (parents first), keeping the declared order among independent
 * ones. An unknown dependency or a cycle is a programming error in the stack definition.
 */
export function dependencyOrder(resources: AnyResource[]): AnyResource[] {
  const byKey = new Map(resources.map((r) => [resourceKey(r), r]));
  if (byKey.size !== resources.length) throw new Error('two resources share the same kind and name');
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: AnyResource[] = [];
  const visit = (r: AnyResource, path: string[]) => {
    const key = resourceKey(r);
    if (done.has(key)) return;
    if (visiting.has(key)) throw new Error(`dependency cycle: ${[...path, key].join(' -> ')}`);
    visiting.add(key);
    for (const dep of r.dependsOn) {
      const parent = byKey.get(dep);
      if (!parent) throw new Error(`${key} depends on unknown resource ${dep}`);
      visit(parent, [...path, key]);
    }
    visiting.delete(key);
    done.add(key);
    out.push(r);
  };
  for (const r of resources) visit(r, []);
  return out;
}
