import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPromtoolMirror, type Mirror } from '../../packages/checklist/test/mirror.js';
import { repoRoot, runAction, type RunResult } from '../harness/run-action.js';
import {
  startMoto,
  startPostgres,
  startRedis,
  type MotoService,
  type PostgresService,
  type RedisService,
} from '../harness/services.js';
import { makeCa } from './certs.js';
import { startGitHubStandIn, type GitHubStandIn } from './github-standin.js';

const guide = join(repoRoot, 'test/fixtures/guide');
let mirror: Mirror;
const promtoolInputs = () => ({
  'tool-mirror-url': mirror.baseUrl,
  'promtool-version': mirror.version,
  'promtool-sha256': mirror.sha256,
});

function workspaceFrom(src: string): string {
  const ws = mkdtempSync(join(tmpdir(), 'preflight-ws-'));
  cpSync(src, ws, { recursive: true });
  return ws;
}
const lineOf = (file: string, text: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;
const annotationAt = (r: RunResult, file: string, line: number, re: RegExp) =>
  r.annotations.find((a) => a.file === file && a.line === line && re.test(a.message));

beforeAll(async () => {
  mirror = await startPromtoolMirror();
});
afterAll(async () => mirror?.close());

describe("preflight-check with no configuration evaluates the guide's checklist", () => {
  let r: RunResult;
  beforeAll(async () => {
    r = await runAction('preflight-check', { cwd: workspaceFrom(guide), inputs: promtoolInputs() });
  });

  it('fails the step with the counts as outputs and a JSON report', () => {
    expect(r.exitCode).toBe(1);
    expect(Number(r.outputs.failed)).toBe(4); // autoscaling, secrets-manager, pod-security, runbook
    expect(Number(r.outputs.passed)).toBeGreaterThanOrEqual(3);
    expect(Number(r.outputs.warnings)).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(r.outputs.report as string, 'utf8'));
    expect(report.phases.map((p: { name: string; verdict: string }) => [p.name, p.verdict])).toEqual([
      ['infrastructure', 'fail'],
      ['security', 'fail'],
      ['pre-deploy', 'fail'],
    ]);
    expect(r.errors[r.errors.length - 1]).toMatch(
      /^preflight-check: 4 blocking item\(s\) failed, \d+ warning\(s\): autoscaling, secrets-manager, pod-security, runbook \(see the job summary\)$/,
    );
  });

  it('annotates the reviewer findings at file:line', () => {
    const sec = join(r.workspace, 'k8s/production/security.yaml');
    const dep = join(r.workspace, 'k8s/production/deployment.yaml');
    const env = join(r.workspace, '.env.production');
    expect(
      annotationAt(
        r,
        'k8s/production/security.yaml',
        lineOf(sec, 'policy/v1beta1'),
        /PodSecurityPolicy was removed in Kubernetes 1\.25/,
      )?.level,
    ).toBe('error');
    expect(
      annotationAt(r, 'k8s/production/deployment.yaml', lineOf(dep, '- name: ralph'), /no securityContext/)?.level,
    ).toBe('error');
    expect(
      annotationAt(r, 'k8s/production/deployment.yaml', lineOf(dep, 'kind: Deployment'), /no HorizontalPodAutoscaler/)
        ?.level,
    ).toBe('error');
    expect(
      annotationAt(
        r,
        'k8s/production/deployment.yaml',
        lineOf(dep, 'namespace: production'),
        /pod-security.kubernetes.io\/enforce/,
      )?.level,
    ).toBe('error');
    expect(annotationAt(r, 'k8s/production/deployment.yaml', lineOf(dep, 'image:'), /pinned by tag only/)?.level).toBe(
      'warning',
    );
    expect(annotationAt(r, '.env.production', lineOf(env, 'DATABASE_URL'), /embeds a password/)?.level).toBe('error');
    expect(annotationAt(r, '.env.production', lineOf(env, 'SECRET_KEY='), /command substitution/)?.level).toBe('error');
    expect(annotationAt(r, '.env.production', lineOf(env, 'ENCRYPTION_KEY='), /command substitution/)?.level).toBe(
      'error',
    );
  });

  it("writes the guide's checklist to the job summary with marks and evidence", () => {
    expect(r.summary).toContain('基础设施要求');
    expect(r.summary).toContain('部署前');
    expect(r.summary).toMatch(/❌ fail \| 安全加固 \/ Security hardening · \*\*安全策略\*\*/);
    expect(r.summary).toMatch(/✅ pass \| 计算资源 \/ Compute resources · \*\*最低配置:每个实例 2 vCPU,4GB RAM\*\*/);
    expect(r.summary).toMatch(/✋ manual \| .*\*\*性能测试完成\*\*/);
    expect(r.summary).toMatch(
      /⏭️ skip \| .*\*\*数据库复制\*\*.*not checked \(live: input 'rds-instance' not configured\)/,
    );
    expect(r.summary).toContain('k8s/production/security.yaml:2:1: podsecuritypolicy/ralph-psp');
  });

  it('never prints the secret values of the env file', () => {
    expect(r.log).not.toContain('user:pass@');
    expect(r.summary).not.toContain('user:pass@');
    expect(readFileSync(r.outputs.report as string, 'utf8')).not.toContain('user:pass@');
  });
});

describe('committed secrets in the env file', () => {
  it('are reported at file:line, masked, and never printed', async () => {
    const ws = workspaceFrom(guide);
    const token = `ghp_${'Zq7'.repeat(12)}`;
    const password = 'Sup3r-S3cret-Value!';
    writeFileSync(
      join(ws, '.env.production'),
      `${readFileSync(join(ws, '.env.production'), 'utf8')}GITHUB_PAT=${token}\nDB_PASSWORD="${password}"\n`,
    );
    const r = await runAction('preflight-check', { cwd: ws, inputs: { ...promtoolInputs(), phase: 'security' } });
    expect(r.exitCode).toBe(1);
    const env = join(ws, '.env.production');
    expect(
      annotationAt(r, '.env.production', lineOf(env, 'GITHUB_PAT='), /GITHUB_PAT holds a GitHub token in plain text/)
        ?.level,
    ).toBe('error');
    expect(
      annotationAt(r, '.env.production', lineOf(env, 'DB_PASSWORD='), /DB_PASSWORD holds a literal secret value/)
        ?.level,
    ).toBe('error');
    for (const secret of [token, password]) {
      expect(r.masked).toContain(secret);
      expect(r.log).not.toContain(secret);
      expect(r.summary).not.toContain(secret);
      expect(readFileSync(r.outputs.report as string, 'utf8')).not.toContain(secret);
    }
  });
});

describe('a checklist written inline in the spec', () => {
  const spec = (items: string) =>
    `version: 1\nenvironments:\n  production:\n    preflight-check:\n      phase: [gate]\n      manifests: [k8s]\n      checklist:\n        phases:\n          gate:\n            title: 发布前\n            items:\n${items}`;
  it('is evaluated, and its mistakes are reported at the spec file line', async () => {
    const ws = workspaceFrom(join(repoRoot, 'examples'));
    mkdirSync(join(ws, '.github'), { recursive: true });
    writeFileSync(
      join(ws, '.github/ralph-deploy.yml'),
      spec('              - { id: pinned, title: 镜像固定, check: { kind: manifests, rules: [image, hpa] } }\n'),
    );
    const ok = await runAction('preflight-check', { cwd: ws, inputs: { environment: 'production' } });
    expect(ok.exitCode).toBe(0);
    expect(ok.outputs).toMatchObject({ passed: '1', failed: '0', warnings: '0' });
    expect(ok.summary).toMatch(/✅ pass \| \*\*镜像固定\*\*/);
    writeFileSync(
      join(ws, '.github/ralph-deploy.yml'),
      spec('              - id: pinned\n                title: 镜像固定\n                check: { kind: manifest }\n'),
    );
    const bad = await runAction('preflight-check', { cwd: ws, inputs: { environment: 'production' } });
    expect(bad.exitCode).toBe(1);
    expect(bad.errors[bad.errors.length - 1]).toMatch(
      /^\.github\/ralph-deploy\.yml:14:\d+: item pinned: unknown check kind 'manifest'/,
    );
  });
});

describe('preflight-check on the corrected examples with real services', () => {
  let pg: PostgresService;
  let redis: RedisService;
  let moto: MotoService;
  let gh: GitHubStandIn;
  let server: https.Server;
  let url: string;
  let caFile: string;
  let ws: string;
  beforeAll(async () => {
    [pg, redis, moto, gh] = await Promise.all([
      startPostgres(),
      startRedis({ password: 'redis-pass-123' }),
      startMoto(),
      startGitHubStandIn(),
    ]);
    const ca = makeCa();
    caFile = ca.caFile;
    server = https.createServer(ca.issue(90, 'svc'), (req, res) =>
      res.writeHead(req.url === '/health' || req.url === '/ready' ? 200 : 404).end(),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://localhost:${(server.address() as AddressInfo).port}`;
    gh.state.repo = 'ralph/service';
    gh.state.checkRuns = [{ name: 'test', status: 'completed', conclusion: 'success' }];
    gh.state.releases = [{ tag_name: 'v1.0.0', draft: false, prerelease: false }];
    const aws = (...args: string[]) => {
      const r = spawnSync('aws', ['--endpoint-url', moto.endpoint, '--output', 'json', ...args], {
        env: { ...process.env, ...moto.env },
        encoding: 'utf8',
      });
      return r.status === 0 ? r.stdout : r.stderr;
    };
    aws('secretsmanager', 'create-secret', '--name', 'ralph/secret-key', '--secret-string', 'k');
    // moto records the rotation settings even though the rotation function does not exist.
    aws(
      'secretsmanager',
      'rotate-secret',
      '--secret-id',
      'ralph/secret-key',
      '--rotation-lambda-arn',
      'arn:aws:lambda:us-east-1:123456789012:function:rotate',
      '--rotation-rules',
      'AutomaticallyAfterDays=30',
    );
    aws(
      'rds',
      'create-db-instance',
      '--db-instance-identifier',
      'ralph-prod-db',
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
      'elasticache',
      'create-replication-group',
      '--replication-group-id',
      'ralph-prod-cache',
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
    aws('s3api', 'create-bucket', '--bucket', 'ralph-backups');
    aws('s3api', 'put-bucket-versioning', '--bucket', 'ralph-backups', '--versioning-configuration', 'Status=Enabled');
    aws(
      's3api',
      'put-bucket-encryption',
      '--bucket',
      'ralph-backups',
      '--server-side-encryption-configuration',
      '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}',
    );
    ws = mkdtempSync(join(tmpdir(), 'preflight-examples-'));
    for (const d of ['k8s', 'config', 'monitoring'])
      cpSync(join(repoRoot, 'examples', d), join(ws, d), { recursive: true });
    mkdirSync(join(ws, 'docs'));
    writeFileSync(join(ws, 'docs', 'runbook.md'), '# Runbook\n');
  }, 120_000);
  afterAll(async () => {
    server?.close();
    await Promise.all([pg?.stop(), redis?.stop(), moto?.stop(), gh?.close()]);
  });

  const run = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
    runAction('preflight-check', {
      cwd: ws,
      inputs: {
        ...promtoolInputs(),
        manifests: 'k8s',
        'env-file': 'config/.env.production',
        'prometheus-config': 'monitoring/prometheus.yml',
        'database-url': pg.url,
        'redis-url': redis.url,
        url,
        'github-token': gh.state.token,
        'aws-secrets': 'ralph/secret-key',
        'rds-instance': 'ralph-prod-db',
        'elasticache-replication-group': 'ralph-prod-cache',
        'backup-bucket': 'ralph-backups',
        ...inputs,
      },
      env: { ...moto.env, GITHUB_API_URL: gh.apiUrl, NODE_EXTRA_CA_CERTS: caFile, ...env },
    });

  it('passes every automated item of pre-deploy and deploy, with manual items attested', async () => {
    const manual = [
      'storage-ssd',
      'storage-persistent-volume',
      'ddos-protection',
      'message-queue-redundancy',
      'rbac',
      'service-accounts',
      'admin-mfa',
      'audit-logging',
      'gdpr-ccpa',
      'performance-tests',
      'docs-updated',
    ];
    const r = await run({ phase: 'pre-deploy, deploy', attest: manual.join(',') });
    const report = JSON.parse(readFileSync(r.outputs.report as string, 'utf8'));
    const notPassed = report.phases.flatMap((p: { items: { id: string; status: string; evidence: string[] }[] }) =>
      p.items.filter((i) => i.status !== 'pass').map((i) => `${i.id}:${i.status}: ${i.evidence.join(' | ')}`),
    );
    // Not configured here: RDS, ElastiCache, backup bucket, code scanning alerts (the stand-in has none) are configured below.
    expect(
      notPassed.filter(
        (s: string) =>
          !/^(storage-backup|database-replication|redis-cluster|encryption|secret-rotation-policy):/.test(s),
      ),
    ).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.failed).toBe('0');
    expect(r.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(r.summary).toMatch(/✅ pass \| \*\*健康检查通过\*\*/);
    expect(r.log).not.toContain(pg.password);
    expect(r.log).not.toContain('redis-pass-123');
    expect(r.masked).toEqual(expect.arrayContaining([pg.url]));
  }, 180_000);

  it('fails when a live dependency is down and when a blocking manual item is not attested', async () => {
    const r = await run({ phase: 'deploy', 'redis-url': 'redis://127.0.0.1:1/0' });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.failed).toBe('1');
    expect(r.summary).toMatch(
      /❌ fail \| \*\*健康检查通过\*\*.*Redis at \*\*\* is not reachable: connect ECONNREFUSED/,
    );
    const custom = join(ws, 'gate.yml');
    writeFileSync(
      custom,
      'phases:\n  release:\n    items:\n      - id: sign-off\n        title: 发布签字\n        manual: true\n',
    );
    const unattested = await run({ checklist: 'gate.yml', phase: 'release' });
    expect(unattested.exitCode).toBe(1);
    expect(unattested.summary).toMatch(/✋ manual \| \*\*发布签字\*\*/);
    gh.state.approvals = [{ state: 'approved', user: { login: 'alice' }, environments: [{ name: 'production' }] }];
    const approved = await run({ checklist: 'gate.yml', phase: 'release', 'approval-environment': 'production' });
    expect(approved.exitCode).toBe(0);
    expect(approved.summary).toMatch(/✅ pass \| \*\*发布签字\*\*.*attested by alice/);
  }, 180_000);

  it('rejects bad input with one clear line', async () => {
    const phase = await run({ phase: 'launch' });
    expect(phase.exitCode).toBe(1);
    expect(phase.errors).toEqual([expect.stringMatching(/^Input 'phase': unknown phase 'launch'/)]);
    writeFileSync(
      join(ws, 'bad.yml'),
      'phases:\n  ship:\n    items:\n      - id: a\n        title: A\n        check: {kind: manifests, rules: [nope]}\n',
    );
    const bad = await run({ checklist: 'bad.yml', phase: 'ship' });
    expect(bad.exitCode).toBe(1);
    expect(bad.errors[bad.errors.length - 1]).toMatch(/^bad\.yml:6:9: item a: unknown manifests rule 'nope'/);
    expect(bad.annotations).toContainEqual(expect.objectContaining({ level: 'error', file: 'bad.yml', line: 6 }));
    expect(bad.stderr + bad.stdout).not.toMatch(/\n\s+at /);
    const attest = await run({ attest: 'no-such-item' });
    expect(attest.errors).toEqual([expect.stringMatching(/^Input 'attest': unknown item id\(s\) no-such-item/)]);
  }, 120_000);
});
