import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { actionInputs, commonInputs } from '@ralph-deploy/config';
import { repoRoot } from '../harness/run-action.js';

// action.yml, the input declarations (packages/config/src/sections) and each action's README are
// three views of one contract: this test keeps them in step.
interface ActionYml {
  name?: string;
  description?: string;
  branding?: { icon?: string; color?: string };
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string; post?: string };
}

const names = readdirSync(join(repoRoot, 'actions')).filter((n) =>
  existsSync(join(repoRoot, 'actions', n, 'action.yml')),
);

describe('action contracts', () => {
  it('has the seven actions of the suite', () => {
    expect(names.sort()).toEqual([
      'backup',
      'deploy-rollout',
      'failover',
      'migrate-db',
      'preflight-check',
      'provision',
      'smoke-test',
    ]);
  });

  describe.each(names)('%s', (name) => {
    const dir = join(repoRoot, 'actions', name);
    const action = yaml.load(readFileSync(join(dir, 'action.yml'), 'utf8')) as ActionYml;
    const decls = { ...commonInputs, ...(actionInputs[name] ?? {}) };

    it('runs the committed bundle on node24', () => {
      expect(action.runs).toMatchObject({ using: 'node24', main: `../../dist/${name}/index.js` });
      expect(existsSync(join(dir, action.runs?.main as string))).toBe(true);
      expect(action.name).toBeTruthy();
      expect(action.description).toBeTruthy();
      expect(action.branding?.icon && action.branding?.color).toBeTruthy();
    });

    it('declares exactly the inputs of its declaration, with descriptions', () => {
      expect(Object.keys(action.inputs ?? {}).sort()).toEqual(Object.keys(decls).sort());
      for (const [input, spec] of Object.entries(action.inputs ?? {})) {
        expect({ input, description: Boolean(spec.description) }).toEqual({ input, description: true });
        const decl = decls[input as keyof typeof decls];
        // A default in action.yml would reach the action as if the user had typed it, hiding the spec's value.
        if (decl?.inSpec) expect({ input, default: spec.default }).toEqual({ input, default: undefined });
        expect({ input, required: spec.required === true }).toEqual({ input, required: decl?.required === true });
      }
    });

    it('documents every input and output in its README', () => {
      const readme = readFileSync(join(dir, 'README.md'), 'utf8');
      for (const key of [...Object.keys(action.inputs ?? {}), ...Object.keys(action.outputs ?? {})]) {
        expect({ key, documented: new RegExp(`^\\|\\s*\`${key}\``, 'm').test(readme) }).toEqual({
          key,
          documented: true,
        });
      }
      expect(Object.keys(action.outputs ?? {})).toContain('report');
    });
  });
});
