import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type OnReadOpts, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ActionError } from '@ralph-deploy/common';
import { describeExit, libpqConnection, startTool, type ToolProcess } from './pgtools.js';

/** Bytes per read of pg_dump's output. */
const READ_BYTES = 256 * 1024;
/**
 * Reads that may wait for the consumer at once (16 MiB): enough to keep pg_dump writing while
 * compression is busy, and the bound on what the dump holds in memory.
 */
const READ_BUFFERS = 64;

export interface DumpProcess {
  process: ToolProcess;
  /** Stops pg_dump (when the consumer gave up). */
  kill(): void;
}

/**
 * Runs `pg_dump --format=custom --compress=0` and writes the archive into `sink`. Custom format
 * keeps a table of contents that lets `pg_restore --jobs` restore tables in parallel from a
 * (seekable) file; its own compression is off because the stream is compressed once, on the way
 * to storage. `sink` is ended only when pg_dump exited with 0, and destroyed with the error
 * otherwise, so nothing downstream commits a truncated dump; pg_dump is killed if `sink` closes
 * first.
 *
 * The output is read into buffers used again once `sink` is done with them (its write callback),
 * through a socket of our own rather than a pipe: Node gives every pipe read a fresh buffer, and
 * at a gigabyte or more those make V8 collect its whole heap dozens of times.
 */
export async function dumpInto(pgDump: string, databaseUrl: string, sink: Writable): Promise<DumpProcess> {
  const { dbname, env } = libpqConnection(databaseUrl);
  const reads = new ReadPool(sink);
  const pair = await socketPair(reads.onread).catch(() => undefined);
  const proc = startTool(pgDump, ['--format=custom', '--compress=0', '--no-password', `--dbname=${dbname}`], {
    env,
    secrets: [databaseUrl],
    ...(pair ? { stdout: pair.theirs } : {}),
  });
  // pg_dump has its own copy of its end now: ours would keep the stream from ever ending
  pair?.theirs.destroy();
  const output = pair?.ours ?? (proc.child.stdout as Readable);
  reads.source = output;
  if (!pair) output.on('data', (chunk: Buffer) => reads.write(chunk));

  const kill = () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  };
  let finished = false;
  const fail = (e: Error) => {
    if (finished) return;
    finished = true;
    // stopped on purpose first: closing our end first would have it die of a broken pipe instead
    kill();
    output.destroy();
    sink.destroy(e);
  };
  output.once('error', fail);
  // If the consumer gives up (storage failed, timeout), pg_dump must not keep running.
  sink.once('close', () => {
    if (!finished) fail(new ActionError('the backup stopped reading the dump'));
  });
  void proc.exited.then(async (exit) => {
    if (exit.code !== 0 || exit.spawnError) return fail(new ActionError(describeExit('pg_dump', exit)));
    // a clean exit: what is still in the socket is the end of the archive
    if (!output.readableEnded) await once(output, 'end').catch(() => undefined);
    if (finished) return;
    finished = true;
    sink.end();
  });
  return { process: proc, kill };
}

/**
 * Hands pg_dump's reads to `sink` in buffers taken from a bounded pool; a buffer returns to the
 * pool when `sink` calls back for it, and reading pauses while the pool is empty.
 */
class ReadPool {
  source: Readable | undefined;
  private readonly free: Buffer[] = [];
  private lent = 0;
  private paused = false;

  constructor(private readonly sink: Writable) {}

  /** net.Socket's onread: reads land in pool buffers, not in fresh ones. */
  readonly onread: OnReadOpts = {
    buffer: () => this.free.pop() ?? Buffer.allocUnsafe(READ_BYTES),
    callback: (bytes: number, buf: Uint8Array) => {
      const b = buf as Buffer;
      this.lent++;
      this.sink.write(b.subarray(0, bytes), () => this.giveBack(b));
      return this.checkPressure();
    },
  };

  /** A chunk from a plain pipe (no pool: Node made it). */
  write(chunk: Buffer): void {
    this.lent++;
    this.sink.write(chunk, () => {
      this.lent--;
      this.resume();
    });
    this.checkPressure();
  }

  private giveBack(buf: Buffer): void {
    this.lent--;
    if (buf.length === READ_BYTES) this.free.push(buf);
    this.resume();
  }

  /** Pauses reading while READ_BUFFERS reads wait for the sink; false tells onread the same. */
  private checkPressure(): boolean {
    if (this.lent < READ_BUFFERS) return true;
    this.paused = true;
    this.source?.pause();
    return false;
  }

  private resume(): void {
    if (this.paused && this.lent < READ_BUFFERS) {
      this.paused = false;
      this.source?.resume();
    }
  }
}

/**
 * A connected pair of Unix sockets (ours reads with `onread`), through a listening socket in a
 * private directory that is gone again once they are connected. Undefined where that cannot be
 * made (Windows), and the caller reads a plain pipe instead.
 */
async function socketPair(onread: OnReadOpts): Promise<{ ours: Socket; theirs: Socket } | undefined> {
  if (process.platform === 'win32') return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'ralph-dump-'));
  const server = createServer();
  try {
    const path = join(dir, 'pg_dump.sock');
    server.listen(path);
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const ours = connect({ path, onread });
    const [[theirs]] = await Promise.all([accepted, once(ours, 'connect')]);
    return { ours, theirs };
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
