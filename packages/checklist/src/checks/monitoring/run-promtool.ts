import { spawn } from 'node:child_process';
import type { Finding } from '../../types.js';

export interface PromtoolRun {
  exitCode: number;
  /** stdout and stderr in arrival order, so FAILED lines stay under their "Checking" line. */
  output: string;
}

/** Runs promtool with a bounded time; the exit code is a result, not an exception. */
export function runPromtool(
  binary: string,
  args: string[],
  cwd: string,
  signal: AbortSignal,
  timeoutMs = 60_000,
): Promise<PromtoolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd, signal, timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (e) => reject(new Error(`cannot run promtool: ${e.message}`)));
    child.on('close', (code) => resolve({ exitCode: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/**
 * Turns promtool's FAILED lines into findings, with file:line where promtool gives one
 * ("file: 12:5: ..." for rule expressions, "yaml: line 5: ..." for YAML errors).
 */
export function promtoolFindings(output: string, defaultFile: string): Finding[] {
  const out: Finding[] = [];
  const lines = output.split('\n');
  let current = defaultFile;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const checking = /^Checking (.+)$/.exec(line.trim());
    if (checking) current = checking[1] as string;
    if (!/FAILED/.test(line)) continue;
    // The details may follow on the next lines (rules) or on the same line (config).
    const detail = [
      line.replace(/^\s*FAILED:?\s*/, '').trim(),
      ...lines.slice(i + 1, i + 6).filter((l) => l.trim() !== '' && !/^Checking |SUCCESS/.test(l.trim())),
    ].filter(Boolean);
    const text = detail.join(' ').trim() || 'promtool reported a failure';
    const pos = /(\S+?): (\d+):(\d+): /.exec(text);
    const named = /parsing YAML file (\S+?):/.exec(text);
    if (named) current = named[1] as string;
    const yamlLine = /line (\d+)/.exec(text);
    if (pos)
      out.push({ level: 'fail', message: text, file: pos[1] as string, line: Number(pos[2]), column: Number(pos[3]) });
    else out.push({ level: 'fail', message: text, file: current, ...(yamlLine ? { line: Number(yamlLine[1]) } : {}) });
  }
  return out;
}
