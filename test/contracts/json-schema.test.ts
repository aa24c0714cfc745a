import { expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { specJsonSchemaText } from '@ralph-deploy/config';
import { repoRoot } from '../harness/run-action.js';

it('schema/ralph-deploy.schema.json matches the input declarations (run `pnpm schema`)', () => {
  expect(readFileSync(join(repoRoot, 'schema/ralph-deploy.schema.json'), 'utf8')).toBe(specJsonSchemaText());
});
