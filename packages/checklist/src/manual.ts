import { errorMessage, type Logger } from '@ralph-deploy/common';
import { GitHubClient } from './checks/github/client.js';
import type { GitHubTarget } from './types.js';

export interface Attestation {
  by: string;
  how: string;
}

interface Approval {
  state: string;
  user?: { login?: string };
  environments?: { name?: string }[];
  comment?: string;
}

/**
 * Whether a required reviewer approved this workflow run's deployment to `environment`: the
 * GitHub Environment protection rule is the team's sign-off on the manual checklist items.
 */
export async function environmentApproval(
  g: GitHubTarget | undefined,
  environment: string,
  log: Logger,
  signal?: AbortSignal,
): Promise<Attestation | undefined> {
  if (!g?.token || !g.repository || !g.runId) return undefined;
  try {
    const approvals = await new GitHubClient(g.apiUrl, g.token, signal).list<Approval>(
      `/repos/${g.repository}/actions/runs/${g.runId}/approvals`,
    );
    const a = approvals.find(
      (x) => x.state === 'approved' && (x.environments ?? []).some((e) => e.name === environment),
    );
    return a
      ? { by: a.user?.login ?? 'a reviewer', how: `approved deployment to environment ${environment}` }
      : undefined;
  } catch (e: unknown) {
    log.warning(`cannot read the run's environment approvals: ${errorMessage(e)}`);
    return undefined;
  }
}
