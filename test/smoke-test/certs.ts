import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway certificate authority made with the openssl CLI, able to issue certificates with any validity window. */
export interface TestCa {
  dir: string;
  certPem: string;
  certFile: string;
  issue(opts: { cn: string; dns?: string[]; ips?: string[]; notBefore: Date; notAfter: Date }): {
    key: string;
    cert: string;
  };
  cleanup(): void;
}

const DAY = 86_400_000;
export const daysFromNow = (d: number) => new Date(Date.now() + d * DAY);

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** openssl ca's -startdate/-enddate format. */
function asn1Time(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export function createTestCa(name = 'ralph test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'ralph-ca-'));
  mkdirSync(join(dir, 'newcerts'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = CA_default',
      '[ CA_default ]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir/newcerts',
      'serial = $dir/serial',
      'certificate = $dir/ca.pem',
      'private_key = $dir/ca.key',
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      '[ policy_any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      `/CN=${name}`,
    ],
    dir,
  );
  let n = 0;
  return {
    dir,
    certPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    certFile: join(dir, 'ca.pem'),
    issue({ cn, dns = [], ips = [], notBefore, notAfter }) {
      const id = `leaf${++n}`;
      const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',');
      writeFileSync(
        join(dir, `${id}.ext`),
        [
          '[ v3 ]',
          'basicConstraints = CA:FALSE',
          'keyUsage = digitalSignature, keyEncipherment',
          'extendedKeyUsage = serverAuth',
          ...(san ? [`subjectAltName = ${san}`] : []),
          '',
        ].join('\n'),
      );
      openssl(
        ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${id}.key`, '-out', `${id}.csr`, '-subj', `/CN=${cn}`],
        dir,
      );
      openssl(
        [
          'ca',
          '-batch',
          '-notext',
          '-config',
          'ca.cnf',
          '-in',
          `${id}.csr`,
          '-out',
          `${id}.pem`,
          '-startdate',
          asn1Time(notBefore),
          '-enddate',
          asn1Time(notAfter),
          '-extfile',
          `${id}.ext`,
          '-extensions',
          'v3',
        ],
        dir,
      );
      return { key: readFileSync(join(dir, `${id}.key`), 'utf8'), cert: readFileSync(join(dir, `${id}.pem`), 'utf8') };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
