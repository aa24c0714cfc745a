import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { memoryLogger } from '@ralph-deploy/common';
import { checkAlerts, GUIDE_ALERTS, readAlertRules } from '../src/checks/monitoring/alerts.js';
import { monitoringCheck, parseMonitoringParams } from '../src/checks/monitoring/index.js';
import { installPromtool, promtoolArchiveUrl } from '../src/checks/monitoring/promtool.js';
import { promtoolFindings } from '../src/checks/monitoring/run-promtool.js';
import { createCheckContext } from '../src/context.js';
import type { CheckTargets, Finding } from '../src/types.js';
import { examplesDir, guideDir, lineOf } from './helpers.js';
import { startPromtoolMirror, type Mirror } from './mirror.js';

let mirror: Mirror;
beforeAll(async () => {
  process.env.RUNNER_TOOL_CACHE = mkdtempSync(join(tmpdir(), 'toolcache-'));
  process.env.RUNNER_TEMP = mkdtempSync(join(tmpdir(), 'runnertemp-'));
  mirror = await startPromtoolMirror();
});
afterAll(async () => mirror.close());

const problems = (fs: Finding[]) => fs.filter((f) => f.level !== 'pass');

describe('promtool install through the tool cache', () => {
  it('builds official-layout URLs from a pattern or a base URL', () => {
    expect(promtoolArchiveUrl('https://m.example/prom', '2.53.0', 'linux', 'arm64')).toBe(
      'https://m.example/prom/v2.53.0/prometheus-2.53.0.linux-arm64.tar.gz',
    );
    expect(promtoolArchiveUrl('https://m.example/{os}/{arch}/p-{version}.tgz', '1.0.0', 'linux', 'amd64')).toBe(
      'https://m.example/linux/amd64/p-1.0.0.tgz',
    );
  });

  it('refuses an archive whose sha256 differs, and caches nothing', async () => {
    const log = memoryLogger();
    await expect(
      installPromtool({
        version: mirror.version,
        mirrorUrl: mirror.baseUrl,
        sha256: '0'.repeat(64),
        os: 'linux',
        arch: 'amd64',
        log,
      }),
    ).rejects.toThrow(new RegExp(`has sha256 ${mirror.sha256}, expected 0{64}: refusing to use it`));
  });

  it('needs a checksum for a version without a pinned one', async () => {
    await expect(
      installPromtool({ version: '9.9.9', mirrorUrl: mirror.baseUrl, os: 'linux', arch: 'amd64', log: memoryLogger() }),
    ).rejects.toThrow(/no pinned sha256 for promtool 9.9.9 .*promtool-sha256/);
  });

  it('names the URL when the mirror does not have the file', async () => {
    await expect(
      installPromtool({
        version: '1.2.3',
        mirrorUrl: mirror.baseUrl,
        sha256: 'a'.repeat(64),
        os: 'linux',
        arch: 'amd64',
        log: memoryLogger(),
      }),
    ).rejects.toThrow(
      /cannot download promtool from http:\/\/127\.0\.0\.1:\d+\/v1\.2\.3\/prometheus-1\.2\.3\.linux-amd64\.tar\.gz/,
    );
  });

  it('downloads, verifies, caches, and then uses the cache', async () => {
    const opts = {
      version: mirror.version,
      mirrorUrl: mirror.baseUrl,
      sha256: mirror.sha256,
      os: 'linux',
      arch: 'amd64',
      log: memoryLogger(),
    };
    const before = mirror.requests.length;
    const path = await installPromtool(opts);
    expect(path.startsWith(process.env.RUNNER_TOOL_CACHE as string)).toBe(true);
    expect(execFileSync(path, ['--version']).toString()).toMatch(/promtool, version/);
    expect(mirror.requests.length).toBe(before + 1);
    expect(await installPromtool(opts)).toBe(path);
    expect(mirror.requests.length).toBe(before + 1);
  });
});

describe('alert rules', () => {
  it("finds the guide's three alerts and warns about container_memory_usage_bytes at its line", () => {
    const file = `${guideDir}/monitoring/alerts.yml`;
    const rules = readAlertRules(readFileSync(file, 'utf8'), 'monitoring/alerts.yml');
    expect(rules.map((r) => [r.name, r.line])).toEqual([
      ['HighErrorRate', lineOf(file, 'alert: HighErrorRate')],
      ['HighMemoryUsage', lineOf(file, 'alert: HighMemoryUsage')],
      ['LongRunningTask', lineOf(file, 'alert: LongRunningTask')],
    ]);
    const f = checkAlerts(rules, GUIDE_ALERTS);
    expect(f.filter((x) => x.level === 'pass')).toHaveLength(3);
    expect(problems(f)).toEqual([
      expect.objectContaining({
        level: 'warn',
        line: lineOf(file, 'alert: HighMemoryUsage'),
        message: expect.stringMatching(/working_set/),
      }),
    ]);
  });

  it('fails when a required alert is missing and warns on a missing severity', () => {
    const rules = readAlertRules(
      'groups:\n- name: g\n  rules:\n  - alert: Errors\n    expr: rate(ralph_errors_total[5m]) > 1\n',
      'r.yml',
    );
    const f = problems(checkAlerts(rules, GUIDE_ALERTS));
    expect(f.map((x) => x.message)).toEqual([
      expect.stringMatching(/no alert on memory usage/),
      expect.stringMatching(/no alert on long-running task/),
      expect.stringMatching(/Errors has no severity label/),
    ]);
    // A metric name inside a longer name does not count.
    expect(
      problems(
        checkAlerts(
          readAlertRules(
            'groups:\n- name: g\n  rules:\n  - alert: X\n    expr: ralph_errors_total_old > 1\n    labels: {severity: page}\n',
            'r.yml',
          ),
          [GUIDE_ALERTS[0]!],
        ),
      ),
    ).toHaveLength(1);
  });
});

describe('promtool output', () => {
  it('maps FAILED lines to file:line', () => {
    const out =
      'Checking bad.yml\n  FAILED:\nbad.yml: 5:11: group "x", rule 1, "A": could not parse expression\n\nChecking c.yml\n  FAILED: parsing YAML file c.yml: yaml: line 3: mapping values are not allowed\n';
    expect(promtoolFindings(out, 'x')).toEqual([
      expect.objectContaining({ file: 'bad.yml', line: 5, column: 11 }),
      expect.objectContaining({ file: 'c.yml', line: 3 }),
    ]);
  });
});

describe('monitoringCheck.run with a real promtool from the mirror', () => {
  const targets = (t: Partial<CheckTargets>): CheckTargets => ({
    promtool: { version: mirror.version, mirrorUrl: mirror.baseUrl, sha256: mirror.sha256 },
    ...t,
  });
  const ctx = (t: Partial<CheckTargets>, cwd: string) =>
    createCheckContext({ cwd, log: memoryLogger(), signal: new AbortController().signal, targets: targets(t) });

  it('passes the corrected examples/monitoring (config, rules via rule_files, alerts)', async () => {
    const r = await monitoringCheck.run(
      parseMonitoringParams({}),
      ctx({ prometheusConfig: 'monitoring/prometheus.yml' }, examplesDir),
    );
    expect(problems(r.findings)).toEqual([]);
    expect(r.findings.map((f) => f.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/check config monitoring\/prometheus.yml: valid/),
        expect.stringMatching(/check rules monitoring\/alerts.yml: valid/),
      ]),
    );
  });

  it('fails a broken rule expression at file:line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(
      join(dir, 'bad.yml'),
      'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(ralph_errors_total[5m] > 1\n',
    );
    const r = await monitoringCheck.run(
      parseMonitoringParams({ rules: ['rules'] }),
      ctx({ prometheusRules: ['bad.yml'], prometheusRulesExplicit: true }, dir),
    );
    expect(r.findings).toEqual([
      expect.objectContaining({
        level: 'fail',
        file: 'bad.yml',
        line: 5,
        message: expect.stringMatching(/could not parse expression/),
      }),
    ]);
  });

  it('fails an invalid config and names the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15x\n');
    const r = await monitoringCheck.run(
      parseMonitoringParams({ rules: ['config'] }),
      ctx({ prometheusConfig: 'prometheus.yml', prometheusConfigExplicit: true }, dir),
    );
    expect(r.findings[0]).toMatchObject({
      level: 'fail',
      file: 'prometheus.yml',
      message: expect.stringMatching(/not a valid duration/),
    });
  });

  it("checks the guide's alert rules and skips when nothing is there", async () => {
    const r = await monitoringCheck.run(
      parseMonitoringParams({ rules: ['rules', 'alerts'] }),
      ctx({ prometheusRules: ['monitoring/alerts.yml'] }, guideDir),
    );
    expect(r.findings.filter((f) => f.level === 'pass').length).toBe(4);
    const none = await monitoringCheck.run(parseMonitoringParams({}), ctx({ prometheusConfig: 'nope.yml' }, guideDir));
    expect(none.skipped).toMatch(/no Prometheus config/);
  });
});
