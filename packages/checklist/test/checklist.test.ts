import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { memoryLogger, SourceError } from '@ralph-deploy/common';
import { guideChecklist, loadChecklistFile } from '../src/checklist/load.js';
import { ChecklistError, parseChecklist, selectPhases } from '../src/checklist/model.js';
import { createCheckContext } from '../src/context.js';
import { evaluatePhases, shouldFail, validateChecks } from '../src/evaluate.js';
import { guideDir } from './helpers.js';

function file(text: string): { dir: string; name: string } {
  const dir = mkdtempSync(join(tmpdir(), 'checklist-'));
  writeFileSync(join(dir, 'list.yml'), text);
  return { dir, name: 'list.yml' };
}

describe("the guide's checklist", () => {
  const list = guideChecklist();
  it('has the guide phases, items in Chinese and English, and valid checks', () => {
    expect(list.phases.map((p) => p.name)).toEqual([
      'infrastructure',
      'security',
      'pre-deploy',
      'deploy',
      'post-deploy',
    ]);
    const items = list.phases.flatMap((p) => p.items);
    for (const title of [
      '所有测试通过',
      '安全扫描完成',
      '创建运行手册',
      '回滚计划就绪',
      '运行数据库迁移',
      '健康检查通过',
      '冒烟测试通过',
      '通知团队',
      '配置 RBAC',
      '启用 DDoS 防护',
    ]) {
      expect(items.map((i) => i.title)).toContain(title);
    }
    expect(items.every((i) => i.titleEn)).toBe(true);
    expect(() => validateChecks(list)).not.toThrow();
  });
  it('evaluates infrastructure and security with pre-deploy (the guide nests them)', () => {
    expect(selectPhases(list, ['pre-deploy']).map((p) => p.name)).toEqual(['infrastructure', 'security', 'pre-deploy']);
    expect(selectPhases(list, ['deploy', 'security']).map((p) => p.name)).toEqual(['deploy', 'security']);
    expect(() => selectPhases(list, ['launch'])).toThrow(
      /unknown phase 'launch' \(known: infrastructure, security, pre-deploy, deploy, post-deploy\)/,
    );
  });
});

describe('checklist files', () => {
  it('report structural mistakes at file:line', async () => {
    const f = file(
      'phases:\n  ship:\n    items:\n      - id: a\n        title: A\n        check: {kind: manifests}\n      - id: b\n        title: B\n        severity: fatal\n        manual: true\n',
    );
    await expect(loadChecklistFile(f.name, f.dir)).rejects.toThrow(
      new SourceError({ file: 'list.yml', line: 9, column: 9 }, 'severity must be block or warn'),
    );
  });
  it('report unknown kinds and bad check parameters at the check', async () => {
    const f = file(
      'phases:\n  ship:\n    items:\n      - id: a\n        title: A\n        check: {kind: manifests, rules: [nope]}\n',
    );
    const list = await loadChecklistFile(f.name, f.dir);
    let err: unknown;
    try {
      validateChecks(list);
    } catch (e: unknown) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChecklistError);
    expect(list.locate?.((err as ChecklistError).path)).toEqual({ file: 'list.yml', line: 6, column: 9 });
    expect((err as Error).message).toMatch(/item a: unknown manifests rule 'nope'/);
  });
  it('reject duplicate ids, unknown includes and include cycles', () => {
    expect(() =>
      parseChecklist(
        {
          phases: {
            a: { items: [{ id: 'x', title: 'X', manual: true }] },
            b: { items: [{ id: 'x', title: 'X', manual: true }] },
          },
        },
        's',
      ),
    ).toThrow(/'x' is used twice/);
    expect(() => parseChecklist({ phases: { a: { include: ['zz'] } } }, 's')).toThrow(/includes unknown phase zz/);
    const cyc = parseChecklist({ phases: { a: { include: ['b'] }, b: { include: ['a'] } } }, 's');
    expect(() => selectPhases(cyc, ['a'])).toThrow(/includes itself/);
  });
});

describe('evaluation', () => {
  const list = parseChecklist(
    {
      phases: {
        ship: {
          title: '部署',
          items: [
            { id: 'images', title: '镜像', check: { kind: 'manifests', rules: ['image'] } },
            { id: 'hpa', title: 'HPA', severity: 'warn', check: { kind: 'manifests', rules: ['hpa'] } },
            { id: 'uat', title: '用户验收测试', manual: true },
            { id: 'notify', title: '通知团队', manual: true, severity: 'warn' },
            { id: 'db', title: 'DB', check: { kind: 'live', probe: 'postgres' } },
          ],
        },
      },
    },
    'inline',
  );
  const parsed = validateChecks(list);
  const ctx = () =>
    createCheckContext({
      cwd: guideDir,
      log: memoryLogger(),
      signal: new AbortController().signal,
      targets: { manifests: ['k8s'], manifestsExplicit: true },
    });

  it('applies severity, attestations and skips, and derives the verdicts', async () => {
    const r = await evaluatePhases(
      list.phases,
      parsed,
      ctx(),
      (id) => (id === 'uat' ? { by: 'alice', how: 'attest' } : undefined),
      'block',
    );
    const status = Object.fromEntries(r.phases[0]!.items.map((i) => [i.id, i.status]));
    expect(status).toEqual({ images: 'warn', hpa: 'warn', uat: 'pass', notify: 'manual', db: 'skip' });
    expect([r.passed, r.failed, r.warnings]).toEqual([1, 0, 4]);
    expect(r.phases[0]?.verdict).toBe('warn');
    expect(shouldFail(r)).toBe(false);
    expect(shouldFail({ ...r, failOn: 'warn' })).toBe(true);
    const hpa = r.phases[0]!.items.find((i) => i.id === 'hpa')!;
    expect(hpa.findings[0]).toMatchObject({ annotation: 'warning', file: 'k8s/production/deployment.yaml', line: 3 });
    expect(hpa.evidence[0]).toMatch(
      /^k8s\/production\/deployment.yaml:3:1: deployment\/ralph-orchestrator: no HorizontalPodAutoscaler/,
    );
  });

  it('fails on an unattested blocking manual item', async () => {
    const r = await evaluatePhases(list.phases, parsed, ctx(), () => undefined, 'block');
    expect(r.phases[0]?.items.find((i) => i.id === 'uat')?.status).toBe('manual');
    expect(r.failed).toBe(1);
    expect(r.verdict).toBe('fail');
    expect(shouldFail(r)).toBe(true);
    expect(shouldFail({ ...r, failOn: 'never' })).toBe(false);
  });
});
