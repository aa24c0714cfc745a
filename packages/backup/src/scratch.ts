import { readdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { freemem } from 'node:os';

/** statfs f_type of tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;
/** Left free on the memory filesystem besides the dump. */
const MEMORY_HEADROOM = 256 * 1024 * 1024;

/**
 * Where to put the decompressed dump that pg_restore --jobs reads (it needs a seekable file, read
 * once, then deleted). In memory (a tmpfs such as /dev/shm) when it fits with room to spare: there
 * it never becomes dirty pages that the kernel writes back to the disk while the database, on
 * the same machine or not, is busy writing its own. Otherwise `diskDir`.
 */
export async function scratchDir(
  bytes: number,
  diskDir: string,
  memoryDir: string | undefined,
  available: () => number = freemem,
): Promise<{ dir: string; inMemory: boolean }> {
  if (memoryDir) {
    await sweepOrphans(memoryDir);
    const s = await statfs(memoryDir).catch(() => undefined);
    const free = s ? s.bavail * s.bsize : 0;
    // twice the dump in available memory: the restore itself still needs the page cache
    if (s && s.type === TMPFS_MAGIC && free >= bytes + MEMORY_HEADROOM && available() >= 2 * bytes + MEMORY_HEADROOM)
      return { dir: memoryDir, inMemory: true };
  }
  return { dir: diskDir, inMemory: false };
}

/** Scratch directory names carry the pid of the process that made them: `ralph-restore-p<pid>-...`. */
export const SCRATCH_PREFIX = 'ralph-restore-';

export function scratchPrefix(id: string, pid = process.pid): string {
  return `${SCRATCH_PREFIX}p${pid}-${id}-`;
}

/**
 * Removes scratch directories whose process is gone. A restore killed outright (SIGKILL, a lost
 * runner) cannot clean up, and nothing else empties a memory filesystem: the dump would hold RAM
 * until the machine reboots.
 */
export async function sweepOrphans(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = new RegExp(`^${SCRATCH_PREFIX}p(\\d+)-`).exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    // EPERM: alive, but someone else's
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
