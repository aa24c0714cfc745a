import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { dumpInto } from '../src/dump.js';

const URL = 'postgresql://backup:s3cret@127.0.0.1:1/app';

/** A stand-in pg_dump: `body` is a shell script (its arguments are ignored). */
async function fakePgDump(body: string): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ralph-dump-test-'));
  const path = join(dir, 'pg_dump');
  await writeFile(path, `#!/bin/bash\n${body}\n`);
  await chmod(path, 0o755);
  return { path, dir };
}

/** Collects what it is given, taking `delayMs` per chunk, and the distinct buffers it saw. */
function slowSink(delayMs: number) {
  const hash = createHash('sha256');
  const buffers = new Set<ArrayBufferLike>();
  let bytes = 0;
  const sink = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      buffers.add(chunk.buffer);
      setTimeout(cb, delayMs);
    },
  });
  return { sink, digest: () => hash.digest('hex'), bytes: () => bytes, buffers };
}

describe('dumpInto', () => {
  it("hands pg_dump's output over byte for byte, reading into buffers used again", async () => {
    const data = randomBytes(24 * 1024 * 1024);
    const { path, dir } = await fakePgDump(`cat "$(dirname "$0")/archive"`);
    await writeFile(join(dir, 'archive'), data);
    const { sink, digest, bytes, buffers } = slowSink(1);
    await dumpInto(path, URL, sink);
    await finished(sink);
    expect(bytes()).toBe(data.length);
    expect(digest()).toBe(createHash('sha256').update(data).digest('hex'));
    // 24 MiB in reads of at most 256 KiB is 96 or more of them; a bounded pool serves them all
    expect(buffers.size).toBeLessThanOrEqual(66);
  });

  it('fails the sink, without the password, when pg_dump exits non-zero, even after writing', async () => {
    const { path } = await fakePgDump(
      'head -c 100000 /dev/zero; echo "pg_dump: error: connection to postgresql://backup:s3cret@db failed" >&2; exit 3',
    );
    const { sink } = slowSink(0);
    await dumpInto(path, URL, sink);
    const error = await finished(sink).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^pg_dump failed \(exit code 3\): pg_dump: error: connection to /);
    expect(error?.message).not.toContain('s3cret');
  });

  it('fails the sink when pg_dump cannot start', async () => {
    const { sink } = slowSink(0);
    await dumpInto('/nonexistent/pg_dump', URL, sink);
    await expect(finished(sink)).rejects.toThrow(/pg_dump could not start/);
  });

  it('stops pg_dump when the sink gives up', async () => {
    const { path } = await fakePgDump('exec cat /dev/zero');
    const { sink } = slowSink(0);
    const dump = await dumpInto(path, URL, sink);
    const closed = finished(sink).catch((e: unknown) => e as Error);
    sink.destroy(new Error('storage failed'));
    expect((await closed)?.message).toBe('storage failed');
    const exit = await dump.process.exited;
    expect(exit.signal).toBe('SIGTERM');
  });
});
