import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createCheckContext, environmentApproval, type Finding } from '../../packages/checklist/src/index.js';
import { memoryLogger } from '@ralph-deploy/common';
import { githubCheck, parseGitHubParams } from '../../packages/checklist/src/checks/github/index.js';
import { startGitHubStandIn, type GitHubStandIn } from './github-standin.js';

let gh: GitHubStandIn;
const SHA = 'abc1234def5678';
beforeAll(async () => {
  gh = await startGitHubStandIn();
});
afterAll(async () => gh.close());
beforeEach(() => {
  gh.state.checkRuns = [];
  gh.state.codeScanning = [];
  gh.state.releases = [];
  gh.state.files = [];
});

const target = (token = gh.state.token) => ({
  apiUrl: gh.apiUrl,
  token,
  repository: gh.state.repo,
  sha: SHA,
  runId: '77',
});
async function run(
  params: Record<string, unknown>,
  cwd = mkdtempSync(join(tmpdir(), 'ws-')),
  token?: string,
): Promise<{ findings: Finding[]; skipped?: string }> {
  return githubCheck.run(
    parseGitHubParams(params),
    createCheckContext({
      cwd,
      log: memoryLogger(),
      signal: new AbortController().signal,
      targets: { github: target(token) },
    }),
  );
}
const fails = (r: { findings: Finding[] }) => r.findings.filter((f) => f.level !== 'pass').map((f) => f.message);

describe('github: check runs', () => {
  it('passes when every run succeeded (across pages), ignoring this run and neutral/skipped ones', async () => {
    gh.state.checkRuns = [
      { name: 'test', status: 'completed', conclusion: 'success' },
      { name: 'lint', status: 'completed', conclusion: 'neutral' },
      { name: 'docs', status: 'completed', conclusion: 'skipped' },
      {
        name: 'preflight',
        status: 'in_progress',
        conclusion: null,
        html_url: 'https://github.com/acme/ralph/actions/runs/77/job/1',
      },
      { name: 'e2e', status: 'completed', conclusion: 'success' },
    ];
    const r = await run({ check: 'check-runs' });
    expect(fails(r)).toEqual([]);
    expect(r.findings[0]?.message).toBe('4 check runs on abc1234 succeeded');
    expect(gh.requests.filter((q) => q.includes('check-runs'))).toHaveLength(3);
  });
  it('fails failed, running and missing runs', async () => {
    gh.state.checkRuns = [
      { name: 'test', status: 'completed', conclusion: 'failure' },
      { name: 'e2e', status: 'queued', conclusion: null },
    ];
    expect(fails(await run({ check: 'check-runs' }))).toEqual([
      'check "test" concluded failure',
      'check "e2e" is queued',
    ]);
    expect(fails(await run({ check: 'check-runs', ignore: ['test', 'e2e'] }))).toEqual([
      expect.stringMatching(/no check runs on abc1234/),
    ]);
  });
  it('reports a rejected token as a failure, and skips without a token', async () => {
    expect(fails(await run({ check: 'check-runs' }, undefined, 'wrong'))).toEqual([
      expect.stringMatching(/answered 401: Bad credentials/),
    ]);
    const none = await githubCheck.run(
      parseGitHubParams({ check: 'release' }),
      createCheckContext({
        cwd: '/',
        log: memoryLogger(),
        signal: new AbortController().signal,
        targets: { github: { apiUrl: gh.apiUrl } },
      }),
    );
    expect(none.skipped).toMatch(/github-token/);
  });
});

describe('github: code scanning', () => {
  const alert = (n: number, sev: string, security?: string) => ({
    number: n,
    rule: {
      id: `r${n}`,
      severity: sev,
      ...(security ? { security_severity_level: security } : {}),
      description: `rule ${n}`,
    },
    most_recent_instance: { location: { path: 'src/app.py', start_line: n * 10 } },
  });
  it('fails open alerts at or above the severity, at their file:line', async () => {
    gh.state.codeScanning = [alert(1, 'warning', 'medium'), alert(2, 'error', 'critical'), alert(3, 'note')];
    const r = await run({ check: 'code-scanning', 'min-severity': 'high' });
    expect(r.findings).toEqual([
      expect.objectContaining({
        level: 'fail',
        file: 'src/app.py',
        line: 20,
        message: 'open code-scanning alert #2 (critical): rule 2',
      }),
    ]);
    expect(fails(await run({ check: 'code-scanning', 'min-severity': 'medium' }))).toHaveLength(2);
  });
  it('passes with only lower alerts and fails when code scanning has no results', async () => {
    gh.state.codeScanning = [alert(1, 'note', 'low')];
    expect(fails(await run({ check: 'code-scanning' }))).toEqual([]);
    gh.state.codeScanning = 404;
    expect(fails(await run({ check: 'code-scanning' }))).toEqual([
      expect.stringMatching(/code scanning results are not available/),
    ]);
  });
});

describe('github: runbook and previous release', () => {
  it('finds a runbook in the checkout or in the repository', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'ws-'));
    expect(fails(await run({ check: 'runbook' }, ws))).toEqual([
      expect.stringMatching(/no runbook at docs\/runbook.md/),
    ]);
    mkdirSync(join(ws, 'docs', 'runbooks'), { recursive: true });
    writeFileSync(join(ws, 'docs', 'runbooks', 'failover.md'), '# failover\n');
    expect((await run({ check: 'runbook' }, ws)).findings[0]).toMatchObject({ level: 'pass', file: 'docs/runbooks' });
    gh.state.files = ['ops/RUNBOOK.md'];
    expect((await run({ check: 'runbook', paths: ['ops/RUNBOOK.md'] })).findings[0]?.message).toBe(
      'runbook found at ops/RUNBOOK.md in acme/ralph',
    );
  });
  it('requires a published release, skipping drafts and prereleases', async () => {
    gh.state.releases = [
      { tag_name: 'v2.0.0-rc1', draft: false, prerelease: true },
      { tag_name: 'v2.0.0', draft: true, prerelease: false },
    ];
    expect(fails(await run({ check: 'release' }))).toEqual(['acme/ralph has no published release to roll back to']);
    gh.state.releases.push({
      tag_name: 'v1.0.0',
      draft: false,
      prerelease: false,
      published_at: '2026-01-02T00:00:00Z',
    });
    expect((await run({ check: 'release' })).findings[0]?.message).toBe(
      'previous release v1.0.0 (2026-01-02) available for rollback',
    );
  });
});

describe('environment approval', () => {
  it('attests manual items only for an approval of the named environment', async () => {
    gh.state.approvals = [{ state: 'approved', user: { login: 'alice' }, environments: [{ name: 'production' }] }];
    expect(await environmentApproval(target(), 'production', memoryLogger())).toEqual({
      by: 'alice',
      how: 'approved deployment to environment production',
    });
    expect(await environmentApproval(target(), 'staging', memoryLogger())).toBeUndefined();
    gh.state.approvals = [{ state: 'rejected', user: { login: 'bob' }, environments: [{ name: 'production' }] }];
    expect(await environmentApproval(target(), 'production', memoryLogger())).toBeUndefined();
  });
});
