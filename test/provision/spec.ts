import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { repoRoot } from '../harness/run-action.js';

/** The example's provision section (examples/spec-sections/provision.yml), as a plain object to edit. */
export function exampleSection(): Record<string, unknown> & { infrastructure: Record<string, any> } {
  const doc = yaml.load(readFileSync(join(repoRoot, 'examples/spec-sections/provision.yml'), 'utf8')) as { provision: never };
  return JSON.parse(JSON.stringify(doc.provision));
}

/** A workspace whose .github/ralph-deploy.yml has `section` under environments.production.provision. */
export function workspaceWith(section: Record<string, unknown>, dir = mkdtempSync(join(tmpdir(), 'ralph-provision-ws-'))): string {
  mkdirSync(join(dir, '.github'), { recursive: true });
  writeFileSync(join(dir, '.github', 'ralph-deploy.yml'), yaml.dump({ version: 1, environments: { production: { provision: section } } }));
  return dir;
}
