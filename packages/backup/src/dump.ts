import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { ActionError } from '@ralph-deploy/common';
import { describeExit, libpqConnection, startTool, type ToolExit, type ToolProcess } from './pgtools.js';

/**
 * Ends only when the process exited with 0: a pg_dump that dies mid-stream turns its (cleanly
 * closed) stdout into an error, so nothing downstream commits a truncated dump.
 */
class ExitGate extends Transform {
  constructor(
    private readonly exited: Promise<ToolExit>,
    private readonly tool: string,
  ) {
    // A deep buffer keeps the pipe drained while compression is busy, so pg_dump never waits on us.
    super({ readableHighWaterMark: GATE_BUFFER, writableHighWaterMark: GATE_BUFFER });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.exited.then(
      (exit) => {
        if (exit.code !== 0 || exit.spawnError) return cb(new ActionError(describeExit(this.tool, exit)));
        cb();
      },
      (e: unknown) => cb(e as Error),
    );
  }
}

const GATE_BUFFER = 16 * 1024 * 1024;

export interface DumpStream {
  /** The archive bytes; errors when pg_dump fails. */
  stream: Readable;
  process: ToolProcess;
  kill(): void;
}

/**
 * Runs `pg_dump --format=custom --compress=0` to stdout. Custom format keeps a table of contents
 * that lets `pg_restore --jobs` restore tables in parallel from a (seekable) file; its own
 * compression is off because the stream is compressed once, on the way to storage.
 */
export function startDump(pgDump: string, databaseUrl: string): DumpStream {
  const { dbname, env } = libpqConnection(databaseUrl);
  const proc = startTool(pgDump, ['--format=custom', '--compress=0', '--no-password', `--dbname=${dbname}`], {
    env,
    secrets: [databaseUrl],
  });
  const gate = new ExitGate(proc.exited, 'pg_dump');
  const stdout = proc.child.stdout as Readable;
  stdout.on('error', (e) => gate.destroy(e));
  stdout.pipe(gate);
  // A spawn failure closes no stdout: fail the gate directly.
  void proc.exited.then((exit) => {
    if (exit.spawnError) gate.destroy(new ActionError(describeExit('pg_dump', exit)));
  });
  const kill = () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  };
  // If the consumer gives up (storage failed, timeout), pg_dump must not keep running.
  gate.once('close', () => {
    if (!gate.readableEnded) kill();
  });
  return { stream: gate, process: proc, kill };
}
