import * as actionsExec from '@actions/exec';
import { ActionError } from '@ralph-deploy/common';
import { actionLogger } from './logger.js';
import { redact } from './masking.js';

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string | Buffer;
  /** Return a non-zero exit code instead of throwing. */
  ignoreReturnCode?: boolean;
  /** Do not echo the command's output to the log. Default true. */
  silent?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command. Logs the command line (redacted) at debug level; a non-zero exit becomes an
 * ActionError carrying the tail of stderr.
 */
export async function exec(command: string, args: string[] = [], options: ExecOptions = {}): Promise<ExecResult> {
  actionLogger.debug(`exec: ${[command, ...args].join(' ')}`);
  const result = await actionsExec.getExecOutput(command, args, {
    cwd: options.cwd,
    env: options.env ? ({ ...process.env, ...options.env } as Record<string, string>) : undefined,
    input: typeof options.input === 'string' ? Buffer.from(options.input) : options.input,
    ignoreReturnCode: true,
    silent: options.silent ?? true,
  });
  if (result.exitCode !== 0 && !options.ignoreReturnCode) {
    const tail = result.stderr.trim().split('\n').slice(-5).join(' / ');
    throw new ActionError(redact(`${command} exited with code ${result.exitCode}${tail ? `: ${tail}` : ''}`));
  }
  return result;
}
