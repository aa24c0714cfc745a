import { expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { actionInputs, loadSpec, selectSection } from '@ralph-deploy/config';
import { repoRoot } from '../harness/run-action.js';

it('the example spec is valid and configures every action for production', () => {
  const spec = loadSpec(join(repoRoot, 'examples/.github/ralph-deploy.yml'), {
    required: true,
    displayPath: 'examples/.github/ralph-deploy.yml',
  });
  expect(spec?.environments).toEqual(['production']);
  for (const action of Object.keys(actionInputs)) {
    expect({ action, settings: Object.keys(selectSection(spec!, action, 'production').values).length > 0 }).toEqual({
      action,
      settings: true,
    });
  }
});

it('the example spec points at files that exist in the example repository', () => {
  const spec = loadSpec(join(repoRoot, 'examples/.github/ralph-deploy.yml'), { required: true })!;
  const paths = [
    ...(selectSection(spec, 'preflight-check', 'production').values.manifests as string[]),
    selectSection(spec, 'preflight-check', 'production').values['env-file'] as string,
    selectSection(spec, 'migrate-db', 'production').values.migrations as string,
  ];
  for (const p of paths) expect({ p, exists: existsSync(join(repoRoot, 'examples', p)) }).toEqual({ p, exists: true });
});
