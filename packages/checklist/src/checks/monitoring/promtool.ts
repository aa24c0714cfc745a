import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tc from '@actions/tool-cache';
import { ActionError, errorMessage, redactUrl, type Logger } from '@ralph-deploy/common';

/** The official release archive; {version}, {os} and {arch} are filled in. */
export const OFFICIAL_PROMETHEUS_URL =
  'https://github.com/prometheus/prometheus/releases/download/v{version}/prometheus-{version}.{os}-{arch}.tar.gz';

/** The version installed when none is asked for, and its archive's published sha256 per platform. */
export const DEFAULT_PROMTOOL_VERSION = '2.28.1';
export const PINNED_SHA256: Record<string, string> = {
  '2.28.1/linux-amd64': '91dd91e13f30fe520e01175ca1027dd09a458d4421a584ba557ba88b38803f27',
  '2.27.1/linux-amd64': 'ce637d0167d5e6d2561f3bd37e1c58fe8601e13e4e1ea745653c068f6e1317ae',
};

export interface InstallPromtoolOptions {
  version: string;
  /** A URL pattern with {version}/{os}/{arch}, or a base URL the official file layout is appended to. */
  mirrorUrl: string;
  /** Expected sha256 of the archive; required for versions without a pinned checksum. */
  sha256?: string;
  os?: string;
  arch?: string;
  log: Logger;
}

export function goArch(nodeArch: string = process.arch): string {
  return (
    (
      { x64: 'amd64', arm64: 'arm64', arm: 'armv7', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<
        string,
        string
      >
    )[nodeArch] ?? nodeArch
  );
}

export function promtoolArchiveUrl(mirror: string, version: string, os: string, arch: string): string {
  const pattern = mirror.includes('{version}')
    ? mirror
    : `${mirror.replace(/\/+$/, '')}/v{version}/prometheus-{version}.{os}-{arch}.tar.gz`;
  return pattern.replaceAll('{version}', version).replaceAll('{os}', os).replaceAll('{arch}', arch);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function findBinary(dir: string, depth = 2): Promise<string | undefined> {
  if (existsSync(join(dir, 'promtool'))) return dir;
  if (depth === 0) return undefined;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      const found = await findBinary(join(dir, e.name), depth - 1);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Returns the path of promtool `version`, from the runner's tool cache or downloaded from the
 * mirror. The archive's sha256 is checked before it is unpacked: a mirror is trusted for
 * availability, never for content.
 */
export async function installPromtool(o: InstallPromtoolOptions): Promise<string> {
  const os = o.os ?? process.platform;
  const arch = o.arch ?? goArch();
  const cached = tc.find('promtool', o.version, arch);
  if (cached && existsSync(join(cached, 'promtool'))) {
    o.log.debug(`promtool ${o.version} found in the tool cache`);
    return join(cached, 'promtool');
  }
  const expected = (o.sha256 ?? PINNED_SHA256[`${o.version}/${os}-${arch}`])?.toLowerCase();
  if (!expected) {
    throw new ActionError(
      `no pinned sha256 for promtool ${o.version} on ${os}-${arch}: set 'promtool-sha256' to the archive's checksum from the release's sha256sums.txt`,
    );
  }
  const url = promtoolArchiveUrl(o.mirrorUrl, o.version, os, arch);
  o.log.info(`downloading promtool ${o.version} from ${redactUrl(url)}`);
  let archive: string;
  try {
    archive = await tc.downloadTool(url);
  } catch (e: unknown) {
    throw new ActionError(`cannot download promtool from ${redactUrl(url)}: ${errorMessage(e)}`);
  }
  const actual = await sha256File(archive);
  if (actual !== expected) {
    throw new ActionError(
      `promtool archive ${redactUrl(url)} has sha256 ${actual}, expected ${expected}: refusing to use it`,
    );
  }
  const dir = await tc.extractTar(archive);
  const binDir = await findBinary(dir);
  if (!binDir) throw new ActionError(`the archive from ${redactUrl(url)} contains no promtool`);
  const cachedDir = await tc.cacheDir(binDir, 'promtool', o.version, arch);
  return join(cachedDir, 'promtool');
}
