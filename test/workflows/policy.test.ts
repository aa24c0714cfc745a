import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { validateWorkflow } from '@ralph-deploy/workflow-sim';
import { repoRoot } from '../harness/run-action.js';

interface Step {
  uses?: string;
  run?: string;
}
interface Job {
  permissions?: Record<string, string>;
  steps?: Step[];
  uses?: string;
}
interface Workflow {
  permissions?: unknown;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

const reusable = ['deploy.yml', 'backup.yml', 'failover.yml'];
const load = (name: string) => yaml.load(readFileSync(join(repoRoot, '.github/workflows', name), 'utf8')) as Workflow;
// Jobs that sign in to a cloud (OIDC) and so may ask for an id-token.
const CLOUD_JOBS = new Set(['provision', 'backup', 'deploy', 'rollback', 'verify', 'prune', 'failover']);

describe.each(reusable)('%s', (name) => {
  const wf = load(name);

  it("is valid for GitHub's own workflow parser", async () => {
    expect(await validateWorkflow(join(repoRoot, '.github/workflows', name))).toEqual([]);
  });

  it('grants nothing at the top and least privilege per job', () => {
    expect(wf.permissions).toEqual({});
    for (const [id, job] of Object.entries(wf.jobs)) {
      expect({ id, hasPermissions: job.permissions !== undefined }).toEqual({ id, hasPermissions: true });
      if (job.permissions?.['id-token'] === 'write')
        expect({ id, cloud: CLOUD_JOBS.has(id) }).toEqual({ id, cloud: true });
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        if (level === 'write')
          expect({ id, scope }).toEqual(
            expect.objectContaining({ scope: expect.stringMatching(/^(id-token|deployments)$/) }),
          );
      }
    }
  });

  it('never expands an expression inside a run: script (values go through env)', () => {
    for (const [id, job] of Object.entries(wf.jobs)) {
      for (const step of job.steps ?? []) {
        if (step.run) expect({ id, run: step.run.includes('${{') }).toEqual({ id, run: false });
      }
    }
  });

  it('references the suite actions at the same commit ($/), never ./actions', () => {
    const uses = Object.values(wf.jobs)
      .flatMap((j) => (j.steps ?? []).map((s) => s.uses ?? ''))
      .filter((u) =>
        /actions\/(preflight-check|provision|migrate-db|deploy-rollout|smoke-test|backup|failover)$/.test(u),
      );
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^\$\/actions\//);
  });

  it('never runs two of its kind at once for an environment', () => {
    expect(wf.concurrency?.group).toMatch(/inputs\.environment/);
    expect(wf.concurrency?.['cancel-in-progress']).toBe(false);
  });
});
