import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Mirror {
  baseUrl: string;
  sha256: string;
  version: string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * A local release mirror: serves prometheus-<version>.linux-amd64.tar.gz containing the machine's
 * real promtool under the official layout (v<version>/prometheus-<version>.<os>-<arch>.tar.gz).
 */
export async function startPromtoolMirror(version = '2.42.0', promtool = '/usr/bin/promtool'): Promise<Mirror> {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-'));
  const name = `prometheus-${version}.linux-amd64`;
  mkdirSync(join(dir, name));
  copyFileSync(promtool, join(dir, name, 'promtool'));
  execFileSync('tar', ['-czf', `${name}.tar.gz`, name], { cwd: dir });
  const archive = readFileSync(join(dir, `${name}.tar.gz`));
  const sha256 = createHash('sha256').update(archive).digest('hex');
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === `/v${version}/${name}.tar.gz`) {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': archive.length });
      res.end(archive);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    sha256,
    version,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
