import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCheckContext, type CheckTargets, type Finding } from '../../packages/checklist/src/index.js';
import { memoryLogger } from '@ralph-deploy/common';
import { liveCheck, parseLiveParams } from '../../packages/checklist/src/checks/live/index.js';
import {
  startMoto,
  startPostgres,
  startRedis,
  freePort,
  type MotoService,
  type PostgresService,
  type RedisService,
} from '../harness/services.js';
import { makeCa, type TestCa } from './certs.js';

const signal = new AbortController().signal;
async function run(
  params: Record<string, unknown>,
  targets: CheckTargets,
  log = memoryLogger(),
): Promise<{ findings: Finding[]; skipped?: string }> {
  return liveCheck.run(parseLiveParams(params), createCheckContext({ cwd: '/', log, signal, targets }));
}
const fails = (r: { findings: Finding[] }) => r.findings.filter((f) => f.level !== 'pass');

describe('live: PostgreSQL', () => {
  let pg: PostgresService;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => pg?.stop());

  it('passes a reachable server at the minimum version', async () => {
    const r = await run({ probe: 'postgres', 'min-version': '15' }, { databaseUrl: pg.url });
    expect(r.findings).toEqual([
      expect.objectContaining({
        level: 'pass',
        message: expect.stringMatching(/^PostgreSQL 15\.\d+ reachable at postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1/),
      }),
    ]);
  });
  it('fails a server below the required version', async () => {
    expect(fails(await run({ probe: 'postgres', 'min-version': '99' }, { databaseUrl: pg.url }))[0]?.message).toMatch(
      /is 15\.\d+, below the required 99/,
    );
  });
  it('fails a wrong password without printing it, and masks the URL', async () => {
    const bad = pg.url.replace(encodeURIComponent(pg.password), 'WrongPassw0rd');
    const log = memoryLogger();
    const r = await run({ probe: 'postgres' }, { databaseUrl: bad }, log);
    expect(fails(r)[0]?.message).toMatch(/cannot connect to .*password authentication failed/);
    expect(JSON.stringify(r)).not.toContain('WrongPassw0rd');
    expect(log.secrets).toContain(bad);
  });
  it('skips when no database URL is configured', async () => {
    expect((await run({ probe: 'postgres' }, {})).skipped).toMatch(/database-url/);
  });
});

describe('live: Redis', () => {
  let redis: RedisService;
  beforeAll(async () => {
    redis = await startRedis({ password: 's3cret-redis' });
  });
  afterAll(async () => redis?.stop());

  it('passes PING after AUTH, with the server version', async () => {
    const r = await run({ probe: 'redis', 'min-version': '6.0' }, { redisUrl: redis.url });
    expect(r.findings).toEqual([
      expect.objectContaining({
        level: 'pass',
        message: expect.stringMatching(/^Redis 7\.\d+\.\d+ answers PING at redis:\/\/:\*\*\*@127\.0\.0\.1/),
      }),
    ]);
  });
  it('fails a wrong password, a too old server and a closed port', async () => {
    const wrong = await run({ probe: 'redis' }, { redisUrl: redis.url.replace('s3cret-redis', 'nope') });
    expect(fails(wrong)[0]?.message).toMatch(/WRONGPASS|invalid password/);
    expect(fails(await run({ probe: 'redis', 'min-version': '99' }, { redisUrl: redis.url }))[0]?.message).toMatch(
      /below the required 99/,
    );
    const port = await freePort();
    expect(fails(await run({ probe: 'redis' }, { redisUrl: `redis://127.0.0.1:${port}/0` }))[0]?.message).toMatch(
      /not reachable: .*ECONNREFUSED/,
    );
  });
});

describe('live: Redis over TLS (rediss://)', () => {
  let proc: ChildProcess | undefined;
  let url: string;
  let ca: TestCa;
  beforeAll(async () => {
    ca = makeCa();
    const { key, cert } = ca.issue(30, 'redis');
    writeFileSync(join(ca.dir, 'redis.key'), key);
    writeFileSync(join(ca.dir, 'redis.pem'), cert);
    const port = await freePort();
    proc = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        join(ca.dir, 'redis.pem'),
        '--tls-key-file',
        join(ca.dir, 'redis.key'),
        '--tls-ca-cert-file',
        ca.caFile,
        '--tls-auth-clients',
        'no',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 150 && !out.includes('Ready to accept connections'); i++)
      await new Promise((r) => setTimeout(r, 100));
    if (!out.includes('Ready to accept connections'))
      throw new Error(`redis-server (TLS) did not start: ${out.slice(-500)}`);
    url = `rediss://localhost:${port}/0`;
  });
  afterAll(() => {
    proc?.kill('SIGTERM');
  });
  it('passes with the server certificate trusted, fails without', async () => {
    expect((await run({ probe: 'redis', 'ca-file': ca.caFile }, { redisUrl: url })).findings[0]).toMatchObject({
      level: 'pass',
      message: expect.stringMatching(/^Redis 7\./),
    });
    expect(fails(await run({ probe: 'redis' }, { redisUrl: url }))[0]?.message).toMatch(
      /not reachable: .*(certificate|self.signed|issuer)/i,
    );
  });
});

describe('live: HTTPS endpoint, TLS certificate, DNS', () => {
  let ca: TestCa;
  const servers: (http.Server | https.Server)[] = [];
  let good: string;
  let expiring: string;
  let plain: string;
  const listen = async (s: http.Server | https.Server) => {
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as AddressInfo).port;
  };
  const handler: http.RequestListener = (req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 503).end();
  };
  beforeAll(async () => {
    ca = makeCa();
    good = `https://localhost:${await listen(https.createServer(ca.issue(365, 'good'), handler))}`;
    expiring = `https://localhost:${await listen(https.createServer(ca.issue(5, 'soon'), handler))}`;
    plain = `http://127.0.0.1:${await listen(http.createServer(handler))}`;
  });
  afterAll(() => servers.forEach((s) => s.close()));

  it('passes a trusted certificate valid long enough', async () => {
    const r = await run({ probe: 'tls', 'min-days': 14, 'ca-file': ca.caFile }, { url: good });
    expect(r.findings).toEqual([
      expect.objectContaining({ level: 'pass', message: expect.stringMatching(/valid for 36\d more days/) }),
    ]);
  });
  it('fails a certificate that expires within the minimum', async () => {
    const r = await run({ probe: 'tls', 'min-days': 14, 'ca-file': ca.caFile }, { url: expiring });
    expect(fails(r).map((f) => f.message)).toEqual([expect.stringMatching(/expires in [45] days .* less than 14/)]);
  });
  it('fails an untrusted certificate and a plain-HTTP URL', async () => {
    expect(fails(await run({ probe: 'tls' }, { url: good }))[0]?.message).toMatch(
      /is not trusted: .*(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER|SELF_SIGNED)/i,
    );
    expect(fails(await run({ probe: 'tls' }, { url: plain }))[0]?.message).toMatch(/is not https/);
  });
  it('checks the HTTP endpoint status', async () => {
    expect(
      (await run({ probe: 'http', path: '/health', 'ca-file': ca.caFile }, { url: good })).findings[0],
    ).toMatchObject({ level: 'pass' });
    expect(fails(await run({ probe: 'http', path: '/ready' }, { url: plain }))[0]?.message).toMatch(
      /\/ready answered 503, expected 2xx/,
    );
    expect(fails(await run({ probe: 'http', path: '/health' }, { url: good }))[0]?.message).toMatch(/did not answer/);
  });
  it('resolves the host name', async () => {
    expect((await run({ probe: 'dns' }, { url: good })).findings[0]).toMatchObject({
      level: 'pass',
      message: expect.stringMatching(/^localhost resolves to /),
    });
  });
});

describe('live: AWS through moto_server', () => {
  let moto: MotoService;
  const saved = { ...process.env };
  const aws = (...args: string[]) =>
    execFileSync('aws', ['--endpoint-url', moto.endpoint, '--output', 'json', ...args], {
      env: { ...process.env, ...moto.env },
    }).toString();
  beforeAll(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
    aws('secretsmanager', 'create-secret', '--name', 'ralph/claude-key', '--secret-string', 'x');
    aws(
      'rds',
      'create-db-instance',
      '--db-instance-identifier',
      'good-db',
      '--db-instance-class',
      'db.t3.large',
      '--engine',
      'postgres',
      '--master-username',
      'ralph',
      '--master-user-password',
      'Passw0rd-123',
      '--allocated-storage',
      '100',
      '--multi-az',
      '--storage-encrypted',
    );
    aws(
      'rds',
      'create-db-instance',
      '--db-instance-identifier',
      'bare-db',
      '--db-instance-class',
      'db.t3.large',
      '--engine',
      'postgres',
      '--master-username',
      'ralph',
      '--master-user-password',
      'Passw0rd-123',
      '--allocated-storage',
      '100',
    );
    aws(
      'elasticache',
      'create-replication-group',
      '--replication-group-id',
      'ha-cache',
      '--replication-group-description',
      'ha',
      '--engine',
      'redis',
      '--cache-node-type',
      'cache.r6g.large',
      '--num-cache-clusters',
      '2',
      '--automatic-failover-enabled',
    );
    aws(
      'elasticache',
      'create-cache-cluster',
      '--cache-cluster-id',
      'ralph-prod-cache',
      '--engine',
      'redis',
      '--cache-node-type',
      'cache.r6g.large',
      '--num-cache-nodes',
      '1',
    );
    aws('s3api', 'create-bucket', '--bucket', 'good-backups');
    aws('s3api', 'put-bucket-versioning', '--bucket', 'good-backups', '--versioning-configuration', 'Status=Enabled');
    aws(
      's3api',
      'put-bucket-encryption',
      '--bucket',
      'good-backups',
      '--server-side-encryption-configuration',
      '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}',
    );
    aws('s3api', 'create-bucket', '--bucket', 'bare-backups');
  });
  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
  });

  it('checks secrets: existence, rotation policy and age', async () => {
    expect(
      fails(await run({ probe: 'aws-secrets', 'require-rotation': false }, { aws: { secrets: ['ralph/claude-key'] } })),
    ).toEqual([]);
    expect(fails(await run({ probe: 'aws-secrets' }, { aws: { secrets: ['ralph/claude-key'] } }))[0]?.message).toMatch(
      /rotation is not enabled/,
    );
    const missing = fails(
      await run({ probe: 'aws-secrets', 'require-rotation': false }, { aws: { secrets: ['ralph/nope'] } }),
    );
    expect(missing[0]?.message).toMatch(/secret ralph\/nope: ResourceNotFoundException/);
    const later = liveCheck.run(
      parseLiveParams({ probe: 'aws-secrets', 'require-rotation': false, 'max-age-days': 30 }),
      createCheckContext({
        cwd: '/',
        log: memoryLogger(),
        signal,
        targets: { aws: { secrets: ['ralph/claude-key'] } },
        now: new Date(Date.now() + 40 * 86_400_000),
      }),
    );
    expect(fails(await later)[0]?.message).toMatch(/last rotated 40 days ago \(more than 30\)/);
  });
  it('checks RDS Multi-AZ and encryption at rest', async () => {
    expect(fails(await run({ probe: 'rds' }, { aws: { rdsInstance: 'good-db' } }))).toEqual([]);
    expect(fails(await run({ probe: 'rds' }, { aws: { rdsInstance: 'bare-db' } })).map((f) => f.message)).toEqual([
      'RDS instance bare-db is not Multi-AZ',
      'RDS instance bare-db storage is not encrypted at rest',
    ]);
  });
  it("checks ElastiCache automatic failover, and explains the guide's standalone cluster", async () => {
    expect(fails(await run({ probe: 'elasticache' }, { aws: { replicationGroup: 'ha-cache' } }))).toEqual([]);
    expect(
      fails(await run({ probe: 'elasticache' }, { aws: { replicationGroup: 'ralph-prod-cache' } }))[0]?.message,
    ).toMatch(/standalone cache cluster, not a replication group/);
  });
  it('checks the backup bucket versioning and encryption', async () => {
    expect(fails(await run({ probe: 's3' }, { aws: { backupBucket: 'good-backups' } }))).toEqual([]);
    expect(fails(await run({ probe: 's3' }, { aws: { backupBucket: 'bare-backups' } }))[0]?.message).toMatch(
      /bare-backups versioning is not enabled/,
    );
  });
});
