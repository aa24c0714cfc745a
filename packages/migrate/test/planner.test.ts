import { describe, expect, it } from '@jest/globals';
import { compareVersions, normalizeVersion } from '../src/files.js';
import type { HistoryRow } from '../src/history.js';
import { makePlan } from '../src/planner.js';
import { prepareMigration } from '../src/prepare.js';

const file = (name: string, text = 'SELECT 1;', checksum = `sum-${name}`) => {
  const v = /^V([\d.]+)__(.*)\.sql$/.exec(name);
  return prepareMigration(
    {
      kind: v ? 'versioned' : 'repeatable',
      ...(v ? { version: v[1] as string } : {}),
      description: (v ? (v[2] as string) : name.replace(/^R__|\.sql$/g, '')).replace(/_/g, ' '),
      script: name,
      displayPath: `db/${name}`,
      absPath: name,
      text,
      checksum,
    },
    {},
  );
};
let rank = 0;
const row = (o: Partial<HistoryRow> & { script: string }): HistoryRow => ({
  installedRank: ++rank,
  version: null,
  description: o.script,
  type: 'versioned',
  checksum: `sum-${o.script}`,
  appliedBy: 'me',
  appliedAt: new Date('2026-01-01T00:00:00Z'),
  executionMs: 5,
  success: true,
  commitSha: null,
  runId: null,
  error: null,
  ...o,
});

describe('versions', () => {
  it('compares numerically part by part', () => {
    expect(compareVersions('2', '10')).toBe(-1);
    expect(compareVersions('1.10', '1.9')).toBe(1);
    expect(compareVersions('1', '1.0')).toBe(0);
    expect(normalizeVersion('2_01')).toBe('2.1');
    expect(compareVersions('20260101120000', '20260101115959')).toBe(1);
  });
});

describe('makePlan', () => {
  it('lists new versions in version order, then new or changed repeatables', () => {
    const files = [
      file('V2__b.sql'),
      file('V10__c.sql'),
      file('V1__a.sql'),
      file('R__views.sql'),
      file('R__grants.sql'),
    ];
    const rows = [
      row({ script: 'V1__a.sql', version: '1' }),
      row({ script: 'R__views.sql', type: 'repeatable', description: 'views', checksum: 'old' }),
    ];
    const plan = makePlan(files, rows, { allowOutOfOrder: false });
    expect(plan.problems).toEqual([]);
    expect(plan.pending.map((p) => p.script)).toEqual(['V2__b.sql', 'V10__c.sql', 'R__grants.sql', 'R__views.sql']);
    expect(plan.currentVersion).toBe('1');
    expect(plan.entries.find((e) => e.script === 'R__views.sql')?.note).toBe('changed since last applied');
  });

  it('names changed, missing and out-of-order files', () => {
    const files = [file('V1__a.sql', 'x', 'different'), file('V1.5__late.sql'), file('V3__c.sql')];
    const rows = [
      row({ script: 'V1__a.sql', version: '1' }),
      row({ script: 'V2__gone.sql', version: '2' }),
      row({ script: 'V3__c.sql', version: '3' }),
    ];
    const plan = makePlan(files, rows, { allowOutOfOrder: false });
    expect(plan.problems.map((p) => p.file)).toEqual(['db/V1__a.sql', 'db/V1.5__late.sql', 'V2__gone.sql']);
    expect(plan.problems[0]?.message).toMatch(/changed after it was applied as version 1/);
    expect(plan.problems[1]?.message).toMatch(/older than the newest applied version 3/);
    expect(plan.problems[2]?.message).toMatch(/is missing/);
    expect(makePlan(files.slice(1), rows.slice(2), { allowOutOfOrder: true }).pending.map((p) => p.script)).toEqual([
      'V1.5__late.sql',
    ]);
  });

  it('treats versions at or below the baseline as applied and failed rows as dirty', () => {
    const files = [file('V1__a.sql'), file('V2__b.sql'), file('V3__c.sql')];
    const rows = [
      row({ script: '<< baseline >>', type: 'baseline', version: '2', checksum: null }),
      row({ script: 'V3__c.sql', version: '3', success: false }),
    ];
    const plan = makePlan(files, rows, { allowOutOfOrder: false });
    expect(plan.entries.map((e) => [e.script, e.state])).toEqual([
      ['<< baseline >>', 'baseline'],
      ['V1__a.sql', 'below-baseline'],
      ['V2__b.sql', 'below-baseline'],
      ['V3__c.sql', 'failed'],
    ]);
    expect(plan.pending).toEqual([]);
    expect(plan.dirty).toHaveLength(1);
    expect(plan.currentVersion).toBe('2');
  });

  it('reports problems inside pending files with their line', () => {
    const plan = makePlan([file('V1__a.sql', 'CREATE TABLE a (x int);\nVACUUM a;')], [], { allowOutOfOrder: false });
    expect(plan.problems).toEqual([
      expect.objectContaining({
        file: 'db/V1__a.sql',
        line: 2,
        message: expect.stringMatching(/VACUUM cannot run inside a transaction/),
      }),
    ]);
  });
});
