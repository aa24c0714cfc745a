import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { failoverInputs, sectionSchema } from '@ralph-deploy/config';
import { repoRoot } from '../harness/run-action.js';

describe('failover spec section', () => {
  it('the example section is valid for the declared inputs', () => {
    const doc = yaml.load(readFileSync(join(repoRoot, 'examples/.github/ralph-deploy.yml'), 'utf8')) as {
      environments: { production: { failover: unknown } };
    };
    const r = sectionSchema(failoverInputs).safeParse(doc.environments.production.failover);
    expect(r.success ? [] : r.error.issues).toEqual([]);
  });

  it('keeps confirm and force out of the spec: a person types them', () => {
    const r = sectionSchema(failoverInputs).safeParse({ confirm: 'production', force: true });
    expect(r.success).toBe(false);
  });
});
