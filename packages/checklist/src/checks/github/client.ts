import { ActionError, errorMessage } from '@ralph-deploy/common';

export class GitHubHttpError extends ActionError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'GitHubHttpError';
    this.status = status;
  }
}

const MAX_PAGES = 10;

/**
 * A minimal GitHub REST client: token auth, JSON, Link-header pagination (bounded). The base URL
 * comes from GITHUB_API_URL, so GitHub Enterprise and local stand-ins work unchanged.
 */
export class GitHubClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    private readonly signal?: AbortSignal,
  ) {}

  async get<T>(path: string): Promise<{ data: T; next?: string }> {
    const url = path.startsWith('http') ? path : `${this.apiUrl.replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'ralph-deploy',
        },
        signal: AbortSignal.any([AbortSignal.timeout(30_000), ...(this.signal ? [this.signal] : [])]),
      });
    } catch (e: unknown) {
      throw new ActionError(`GitHub API ${path}: ${errorMessage(e)}`);
    }
    if (!res.ok) {
      const body = (await res.text().catch(() => '')).slice(0, 300);
      let msg = body;
      try {
        msg = (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        /* not JSON */
      }
      throw new GitHubHttpError(
        res.status,
        `GitHub API ${path.split('?')[0]} answered ${res.status}${msg ? `: ${msg}` : ''}`,
      );
    }
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    return { data: (await res.json()) as T, ...(next ? { next } : {}) };
  }

  /** All items of a paginated list; `pick` extracts the array when the payload wraps it. */
  async list<T>(path: string, pick: (page: unknown) => T[] = (p) => p as T[]): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = path;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const r: { data: unknown; next?: string } = await this.get<unknown>(next);
      out.push(...pick(r.data));
      next = r.next;
    }
    return out;
  }
}
