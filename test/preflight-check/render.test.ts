import { describe, expect, it } from '@jest/globals';
import { Summary } from '@ralph-deploy/action-kit';
import type { PreflightReport } from '../../packages/checklist/src/index.js';
import { collectAnnotations, renderSummary } from '../../actions/preflight-check/src/render.js';

const finding = {
  level: 'fail' as const,
  message: 'deployment/web: no HPA',
  file: 'k8s/d.yaml',
  line: 3,
  column: 1,
  annotation: 'error' as const,
};
const report: PreflightReport = {
  verdict: 'fail',
  failOn: 'block',
  passed: 1,
  failed: 1,
  warnings: 0,
  phases: [
    {
      name: 'infrastructure',
      title: '基础设施要求',
      titleEn: 'Infrastructure requirements',
      verdict: 'fail',
      items: [
        {
          id: 'autoscaling',
          phase: 'infrastructure',
          title: '配置自动伸缩(2-10 个实例)',
          titleEn: 'Autoscaling',
          group: '计算资源',
          groupEn: 'Compute',
          severity: 'block',
          manual: false,
          status: 'fail',
          evidence: ['k8s/d.yaml:3:1: deployment/web: no HPA | twice'],
          findings: [finding],
        },
        {
          id: 'also',
          phase: 'infrastructure',
          title: '另一个',
          severity: 'warn',
          manual: false,
          status: 'pass',
          evidence: ['ok'],
          findings: [finding],
        },
      ],
    },
  ],
};

describe('preflight-check rendering', () => {
  it('annotates each distinct finding once, with the item as title', () => {
    expect(collectAnnotations(report)).toEqual([
      {
        level: 'error',
        message: 'deployment/web: no HPA',
        title: 'preflight-check autoscaling',
        file: 'k8s/d.yaml',
        line: 3,
        column: 1,
      },
    ]);
  });
  it("writes the phase verdicts and the guide's items with marks and escaped evidence", () => {
    const s = new Summary();
    renderSummary(s, report, 'guide-checklist.yml');
    const md = s.toMarkdown();
    expect(md).toContain('## Preflight check: ❌ fail');
    expect(md).toContain('| 基础设施要求 (Infrastructure requirements) | ❌ fail | 2 |');
    expect(md).toContain(
      '| ❌ fail | 计算资源 / Compute · **配置自动伸缩(2-10 个实例)**<br>Autoscaling<br>`autoscaling` | k8s/d.yaml:3:1: deployment/web: no HPA \\| twice |',
    );
    expect(md).toContain('| ✅ pass | **另一个**<br>`also` (warn) | ok |');
  });
});
