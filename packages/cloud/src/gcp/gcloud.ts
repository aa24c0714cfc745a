import { ActionError } from '@ralph-deploy/common';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How gcloud is run: the action passes its exec wrapper (@actions/exec), tests may pass anything. */
export type ExecFn = (
  command: string,
  args: string[],
  options: { ignoreReturnCode: boolean; silent?: boolean },
) => Promise<ExecResult>;

const NOT_FOUND = /NOT_FOUND|not found|does not exist|code=404|HTTPError 404/i;

/** The gcloud CLI with JSON output; one instance per project. */
export class Gcloud {
  /** Every command line run, for the report. */
  readonly commands: string[][] = [];
  constructor(
    private readonly exec: ExecFn,
    readonly project: string,
    private readonly binary = 'gcloud',
  ) {}

  /** `describe`: the parsed resource, or undefined when gcloud says it does not exist. */
  async describe(args: string[]): Promise<unknown> {
    const full = [...args, `--project=${this.project}`, '--format=json'];
    const r = await this.exec(this.binary, full, { ignoreReturnCode: true, silent: true });
    if (r.exitCode !== 0) {
      if (NOT_FOUND.test(r.stderr)) return undefined;
      throw new ActionError(`gcloud ${args.slice(0, 3).join(' ')} failed (exit ${r.exitCode}): ${lastLine(r.stderr)}`);
    }
    return parseJson(r.stdout, args);
  }

  /** A change (create, update, patch): waits for the operation like gcloud does by default. */
  async run(args: string[]): Promise<unknown> {
    const full = [...args, `--project=${this.project}`, '--format=json', '--quiet'];
    this.commands.push([this.binary, ...full]);
    const r = await this.exec(this.binary, full, { ignoreReturnCode: true });
    if (r.exitCode !== 0)
      throw new ActionError(`gcloud ${args.slice(0, 4).join(' ')} failed (exit ${r.exitCode}): ${lastLine(r.stderr)}`);
    return r.stdout.trim() === '' ? undefined : parseJson(r.stdout, args);
  }
}

function lastLine(s: string): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.find((l) => l.startsWith('ERROR:')) ?? lines.at(-1) ?? '(no output)';
}

function parseJson(text: string, args: string[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ActionError(`gcloud ${args.slice(0, 3).join(' ')} did not print JSON`);
  }
}

/** GCP labels: lowercase letters, digits, _ and -; keys start with a letter; at most 63 characters. */
export function gcpLabels(environment: string, extra: Record<string, string>): Record<string, string> {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '_')
      .slice(0, 63);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(extra)) out[clean(k)] = clean(v);
  out['ralph-deploy-managed'] = 'true';
  out['ralph-deploy-environment'] = clean(environment);
  return out;
}

export function labelArg(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** A zone ends in -a, -b, ...; anything else is a region. */
export function locationFlag(location: string): string {
  return /-[a-z]$/.test(location) ? `--zone=${location}` : `--region=${location}`;
}
