import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in serves; tests change it between cases. */
export interface GitHubState {
  token: string;
  repo: string;
  checkRuns: { name: string; status: string; conclusion: string | null; html_url?: string }[];
  /** Alerts, or an HTTP status for "code scanning not enabled" answers. */
  codeScanning: unknown[] | number;
  releases: { tag_name: string; draft: boolean; prerelease: boolean; published_at?: string }[];
  files: string[];
  approvals: { state: string; user: { login: string }; environments: { name: string }[] }[];
}

export interface GitHubStandIn {
  apiUrl: string;
  state: GitHubState;
  requests: string[];
  close(): Promise<void>;
}

const PAGE = 2;

/**
 * A local stand-in for the GitHub REST API (the endpoints preflight-check reads), on loopback,
 * with token checking and Link-header pagination like the real API.
 */
export async function startGitHubStandIn(initial: Partial<GitHubState> = {}): Promise<GitHubStandIn> {
  const state: GitHubState = {
    token: 'ghs_standin',
    repo: 'acme/ralph',
    checkRuns: [],
    codeScanning: [],
    releases: [],
    files: [],
    approvals: [],
    ...initial,
  };
  const requests: string[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${state.token}`) return send(401, { message: 'Bad credentials' });
    const paged = (items: unknown[], wrap?: string) => {
      const page = Number(url.searchParams.get('page') ?? '1');
      const slice = items.slice((page - 1) * PAGE, page * PAGE);
      const headers: Record<string, string> = {};
      if (page * PAGE < items.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next}>; rel="next"`;
      }
      send(200, wrap ? { total_count: items.length, [wrap]: slice } : slice, headers);
    };
    const p = url.pathname;
    const repo = `/repos/${state.repo}`;
    if (new RegExp(`^${repo}/commits/[0-9a-f]+/check-runs$`).test(p)) return paged(state.checkRuns, 'check_runs');
    if (p === `${repo}/code-scanning/alerts`) {
      if (typeof state.codeScanning === 'number') return send(state.codeScanning, { message: 'no analysis found' });
      return paged(state.codeScanning);
    }
    if (p === `${repo}/releases`) return paged(state.releases);
    const content = new RegExp(`^${repo}/contents/(.+)$`).exec(p);
    if (content) {
      const path = decodeURIComponent(content[1] as string);
      return state.files.includes(path) ? send(200, { type: 'file', path }) : send(404, { message: 'Not Found' });
    }
    if (new RegExp(`^${repo}/actions/runs/\\d+/approvals$`).test(p)) return send(200, state.approvals);
    send(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { apiUrl: base, state, requests, close: () => new Promise((r) => server.close(() => r())) };
}
