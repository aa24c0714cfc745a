import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorMessage } from '@ralph-deploy/common';
import type { Finding } from '../../types.js';
import { GitHubClient, GitHubHttpError } from './client.js';

interface CheckRun {
  name: string;
  status: string;
  conclusion: string | null;
  html_url?: string;
}

const OK_CONCLUSIONS = ['success', 'neutral', 'skipped'];

/** Every check run on the commit completed successfully (this workflow run's own jobs excluded: they are still running). */
export async function checkCheckRuns(
  gh: GitHubClient,
  repo: string,
  sha: string,
  runId: string | undefined,
  ignore: string[],
): Promise<Finding[]> {
  const runs = await gh.list<CheckRun>(
    `/repos/${repo}/commits/${sha}/check-runs?filter=latest&per_page=100`,
    (p) => (p as { check_runs?: CheckRun[] }).check_runs ?? [],
  );
  const relevant = runs.filter(
    (r) => !ignore.includes(r.name) && !(runId && r.html_url?.includes(`/actions/runs/${runId}/`)),
  );
  if (relevant.length === 0)
    return [{ level: 'fail', message: `no check runs on ${sha.slice(0, 7)}: nothing shows that the tests passed` }];
  const out: Finding[] = [];
  for (const r of relevant) {
    if (r.status !== 'completed') out.push({ level: 'fail', message: `check "${r.name}" is ${r.status}` });
    else if (!OK_CONCLUSIONS.includes(r.conclusion ?? ''))
      out.push({ level: 'fail', message: `check "${r.name}" concluded ${r.conclusion ?? 'without a conclusion'}` });
  }
  if (out.length === 0)
    out.push({ level: 'pass', message: `${relevant.length} check runs on ${sha.slice(0, 7)} succeeded` });
  return out;
}

const SEVERITY_RANK: Record<string, number> = {
  note: 1,
  low: 1,
  warning: 2,
  medium: 2,
  error: 3,
  high: 3,
  critical: 4,
};

interface CodeScanningAlert {
  number: number;
  html_url?: string;
  rule?: { id?: string; severity?: string; security_severity_level?: string; description?: string };
  most_recent_instance?: { location?: { path?: string; start_line?: number } };
}

/** No open code-scanning alert at or above `minSeverity` (security severity when the rule has one). */
export async function checkCodeScanning(gh: GitHubClient, repo: string, minSeverity: string): Promise<Finding[]> {
  let alerts: CodeScanningAlert[];
  try {
    alerts = await gh.list<CodeScanningAlert>(`/repos/${repo}/code-scanning/alerts?state=open&per_page=100`);
  } catch (e: unknown) {
    if (e instanceof GitHubHttpError && (e.status === 404 || e.status === 403)) {
      return [
        {
          level: 'fail',
          message: `code scanning results are not available (${errorMessage(e)}): no evidence that a security scan ran`,
        },
      ];
    }
    throw e;
  }
  const min = SEVERITY_RANK[minSeverity] ?? 3;
  const blocking = alerts.filter(
    (a) => (SEVERITY_RANK[a.rule?.security_severity_level ?? a.rule?.severity ?? ''] ?? 0) >= min,
  );
  const out: Finding[] = blocking.map((a) => {
    const loc = a.most_recent_instance?.location;
    const sev = a.rule?.security_severity_level ?? a.rule?.severity ?? 'unknown';
    return {
      level: 'fail' as const,
      message: `open code-scanning alert #${a.number} (${sev}): ${a.rule?.description ?? a.rule?.id ?? ''}`.trim(),
      ...(loc?.path ? { file: loc.path, ...(loc.start_line ? { line: loc.start_line } : {}) } : {}),
    };
  });
  if (out.length === 0)
    out.push({
      level: 'pass',
      message: `no open code-scanning alert at ${minSeverity} or above (${alerts.length} open below)`,
    });
  return out;
}

/** A runbook exists in the checkout, or (without one) in the repository at the commit. */
export async function checkRunbook(
  gh: GitHubClient | undefined,
  repo: string | undefined,
  sha: string | undefined,
  cwd: string,
  paths: string[],
): Promise<Finding[]> {
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (existsSync(abs) && (statSync(abs).isFile() ? statSync(abs).size > 0 : readdirSync(abs).length > 0)) {
      return [{ level: 'pass', message: `runbook found at ${p}`, file: p }];
    }
  }
  if (gh && repo) {
    for (const p of paths) {
      try {
        await gh.get(
          `/repos/${repo}/contents/${p.split('/').map(encodeURIComponent).join('/')}${sha ? `?ref=${sha}` : ''}`,
        );
        return [{ level: 'pass', message: `runbook found at ${p} in ${repo}` }];
      } catch (e: unknown) {
        if (!(e instanceof GitHubHttpError && e.status === 404)) throw e;
      }
    }
  }
  return [{ level: 'fail', message: `no runbook at ${paths.join(', ')}` }];
}

interface Release {
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
  published_at?: string | null;
}

/** A published (non-draft, non-prerelease) release exists to roll back to. */
export async function checkPreviousRelease(gh: GitHubClient, repo: string): Promise<Finding[]> {
  const releases = await gh.list<Release>(`/repos/${repo}/releases?per_page=30`);
  const usable = releases.find((r) => !r.draft && !r.prerelease);
  if (!usable) return [{ level: 'fail', message: `${repo} has no published release to roll back to` }];
  return [
    {
      level: 'pass',
      message: `previous release ${usable.tag_name}${usable.published_at ? ` (${usable.published_at.slice(0, 10)})` : ''} available for rollback`,
    },
  ];
}
