import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { repoRoot } from '../harness/run-action.js';

/** The example's provision section (examples/.github/ralph-deploy.yml), as a plain object to edit. */
export function exampleSection(): Record<string, unknown> {
  const doc = yaml.load(readFileSync(join(repoRoot, 'examples/.github/ralph-deploy.yml'), 'utf8')) as {
    environments: { production: { provision: never } };
  };
  return JSON.parse(JSON.stringify(doc.environments.production.provision));
}

/** A workspace whose .github/ralph-deploy.yml has `section` under environments.production.provision. */
export function workspaceWith(
  section: Record<string, unknown>,
  dir = mkdtempSync(join(tmpdir(), 'ralph-provision-ws-')),
): string {
  mkdirSync(join(dir, '.github'), { recursive: true });
  writeFileSync(
    join(dir, '.github', 'ralph-deploy.yml'),
    yaml.dump({ version: 1, environments: { production: { provision: section } } }),
  );
  return dir;
}

/** Sets a nested value of a spec section, e.g. setIn(section, 'infrastructure.aws.vpc.cidr', '10.9.0.0/16'). */
export function setIn(section: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let node = section;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[keys.at(-1) as string] = value;
  return section;
}

/** The parts of a kubeconfig file the tests look at. */
export interface Kubeconfig {
  'current-context': string;
  clusters: { name: string; cluster: { server: string } }[];
  users: { name: string; user: { exec: Record<string, unknown> } }[];
}
