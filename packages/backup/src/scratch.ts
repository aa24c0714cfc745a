import { statfs } from 'node:fs/promises';
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
    const s = await statfs(memoryDir).catch(() => undefined);
    const free = s ? s.bavail * s.bsize : 0;
    // twice the dump in available memory: the restore itself still needs the page cache
    if (s && s.type === TMPFS_MAGIC && free >= bytes + MEMORY_HEADROOM && available() >= 2 * bytes + MEMORY_HEADROOM)
      return { dir: memoryDir, inMemory: true };
  }
  return { dir: diskDir, inMemory: false };
}
