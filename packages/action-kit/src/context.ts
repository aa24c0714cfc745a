/** What the runner tells an action about the run, read from its environment variables. */
export interface RunContext {
  actor: string;
  sha: string;
  ref: string;
  repository: string;
  runId: string;
  runAttempt: string;
  serverUrl: string;
  apiUrl: string;
  /** Link to this workflow run, or '' outside GitHub. */
  runUrl: string;
  workspace: string;
  eventName: string;
  workflow: string;
  job: string;
}

export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const repository = env.GITHUB_REPOSITORY ?? '';
  const runId = env.GITHUB_RUN_ID ?? '';
  return {
    actor: env.GITHUB_ACTOR ?? env.USER ?? 'unknown',
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    repository,
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    serverUrl,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : '',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    eventName: env.GITHUB_EVENT_NAME ?? '',
    workflow: env.GITHUB_WORKFLOW ?? '',
    job: env.GITHUB_JOB ?? '',
  };
}
