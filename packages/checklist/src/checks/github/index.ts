import { errorMessage } from '@ralph-deploy/common';
import type { CheckContext, CheckKind, CheckOutcome } from '../../types.js';
import { checkCheckRuns, checkCodeScanning, checkPreviousRelease, checkRunbook } from './checks.js';
import { GitHubClient } from './client.js';

const CHECKS = ['check-runs', 'code-scanning', 'runbook', 'release'] as const;

export interface GitHubParams {
  check: (typeof CHECKS)[number];
  ignore: string[];
  minSeverity: string;
  paths: string[];
}

export function parseGitHubParams(p: Record<string, unknown>): GitHubParams {
  const check = String(p.check ?? '');
  if (!(CHECKS as readonly string[]).includes(check)) throw new Error(`'check' must be one of ${CHECKS.join(', ')}`);
  const minSeverity = String(p['min-severity'] ?? 'high');
  if (!['low', 'medium', 'high', 'critical', 'note', 'warning', 'error'].includes(minSeverity))
    throw new Error(`'min-severity' must be low, medium, high or critical`);
  const paths =
    p.paths === undefined
      ? ['docs/runbook.md', 'docs/runbooks', 'RUNBOOK.md', 'runbook.md']
      : Array.isArray(p.paths)
        ? p.paths.map(String)
        : [String(p.paths)];
  return {
    check: check as GitHubParams['check'],
    ignore: Array.isArray(p.ignore) ? p.ignore.map(String) : [],
    minSeverity,
    paths,
  };
}

export const githubCheck: CheckKind<GitHubParams> = {
  kind: 'github',
  parse: parseGitHubParams,
  async run(p, ctx: CheckContext): Promise<CheckOutcome> {
    const g = ctx.targets.github;
    const gh = g?.token ? new GitHubClient(g.apiUrl, g.token, ctx.signal) : undefined;
    try {
      if (p.check === 'runbook') return { findings: await checkRunbook(gh, g?.repository, g?.sha, ctx.cwd, p.paths) };
      if (!gh || !g?.repository)
        return { skipped: "input 'github-token' (and GITHUB_REPOSITORY) not configured", findings: [] };
      switch (p.check) {
        case 'check-runs':
          if (!g.sha) return { skipped: 'no commit (GITHUB_SHA)', findings: [] };
          return { findings: await checkCheckRuns(gh, g.repository, g.sha, g.runId, p.ignore) };
        case 'code-scanning':
          return { findings: await checkCodeScanning(gh, g.repository, p.minSeverity) };
        case 'release':
          return { findings: await checkPreviousRelease(gh, g.repository) };
      }
    } catch (e: unknown) {
      return { findings: [{ level: 'fail', message: errorMessage(e) }] };
    }
  },
};
