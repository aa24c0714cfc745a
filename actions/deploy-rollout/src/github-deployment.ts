import { getOctokit } from '@actions/github';
import { errorMessage, type Logger } from '@ralph-deploy/common';

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error';

export interface GithubDeploymentOptions {
  token: string;
  /** owner/name */
  repository: string;
  /** Commit (or ref) being deployed. */
  ref: string;
  environment: string;
  environmentUrl?: string;
  /** Link to the workflow run, shown as the status's log. */
  logUrl?: string;
  description: string;
  /** GITHUB_API_URL (a local stand-in in tests, GHES elsewhere). */
  apiUrl: string;
  log: Logger;
}

/**
 * A GitHub Deployment for this rollout and its statuses. Reporting is best effort: a GitHub API
 * problem becomes a warning and never fails (or blocks) the Kubernetes rollout.
 */
export class GithubDeployment {
  private constructor(
    private readonly octokit: ReturnType<typeof getOctokit>,
    private readonly owner: string,
    private readonly repo: string,
    readonly id: number,
    private readonly options: GithubDeploymentOptions,
  ) {}

  static async create(options: GithubDeploymentOptions): Promise<GithubDeployment | undefined> {
    const [owner, repo] = options.repository.split('/');
    if (!owner || !repo || !options.ref) {
      options.log.warning(
        'github-token is set but GITHUB_REPOSITORY or GITHUB_SHA is missing: no GitHub Deployment was created',
      );
      return undefined;
    }
    const octokit = getOctokit(options.token, { baseUrl: options.apiUrl, request: { retries: 0 } });
    try {
      const res = await octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref: options.ref,
        environment: options.environment,
        description: options.description.slice(0, 140),
        auto_merge: false,
        required_contexts: [],
        production_environment: /^prod/i.test(options.environment),
      });
      if (res.status !== 201 || !('id' in res.data)) {
        options.log.warning(
          `GitHub did not create a deployment (${res.status}): ${JSON.stringify(res.data).slice(0, 200)}`,
        );
        return undefined;
      }
      options.log.info(`GitHub Deployment ${res.data.id} created for environment ${options.environment}`);
      return new GithubDeployment(octokit, owner, repo, res.data.id, options);
    } catch (e: unknown) {
      options.log.warning(`Could not create a GitHub Deployment: ${errorMessage(e)}`);
      return undefined;
    }
  }

  async status(state: DeploymentState, description: string): Promise<void> {
    try {
      await this.octokit.rest.repos.createDeploymentStatus({
        owner: this.owner,
        repo: this.repo,
        deployment_id: this.id,
        state,
        description: description.slice(0, 140),
        environment: this.options.environment,
        ...(this.options.environmentUrl ? { environment_url: this.options.environmentUrl } : {}),
        ...(this.options.logUrl ? { log_url: this.options.logUrl } : {}),
        auto_inactive: state === 'success',
      });
    } catch (e: unknown) {
      this.options.log.warning(`Could not set the GitHub Deployment status to ${state}: ${errorMessage(e)}`);
    }
  }
}
