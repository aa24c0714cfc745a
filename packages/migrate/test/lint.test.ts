import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { discoverMigrations } from '../src/files.js';
import { failingFindings, lintMigrations } from '../src/lint/linter.js';
import { lintRules } from '../src/lint/rules.js';
import { prepareMigration } from '../src/prepare.js';
import type { CatalogFacts } from '../src/lint/types.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const load = (dir: string) =>
  discoverMigrations(`${repo}/${dir}`, { workspace: repo }).map((f) => prepareMigration(f, {}));

function inline(files: Record<string, string>) {
  return Object.entries(files).map(([name, text]) =>
    prepareMigration(
      {
        kind: 'versioned',
        version: name.slice(1, name.indexOf('__')),
        description: name,
        script: name,
        displayPath: name,
        absPath: name,
        text,
        checksum: 'x',
      },
      { app_password: { value: 's3cret-value', secret: true } },
    ),
  );
}

describe('lint rules', () => {
  it('every rule has an id, a one-line reason and a safer alternative', () => {
    for (const r of lintRules) {
      expect(r.id).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(r.reason.length).toBeGreaterThan(20);
      expect(r.alternative.length).toBeGreaterThan(10);
      expect(r.reason).not.toContain('\n');
    }
    expect(new Set(lintRules.map((r) => r.id)).size).toBe(lintRules.length);
  });

  it('finds exactly the expected rules in each fixture file, at file:line', () => {
    const files = load('test/migrate-db/fixtures/lint-bad');
    const findings = lintMigrations(files);
    const found = new Set<string>();
    for (const f of files) {
      const expected = (/^-- expect: (.*)$/m.exec(f.text)?.[1] ?? '').split(/\s+/).filter(Boolean).sort();
      const got = [...new Set(findings.filter((x) => x.file === f.displayPath).map((x) => x.rule))].sort();
      expect({ file: f.displayPath, rules: got }).toEqual({ file: f.displayPath, rules: expected });
      got.forEach((r) => found.add(r));
    }
    // Every rule of the table is exercised by the fixture set.
    expect([...found].sort()).toEqual(lintRules.map((r) => r.id).sort());
    const idx = findings.find((f) => f.rule === 'index-without-concurrently');
    expect(idx).toMatchObject({
      file: 'test/migrate-db/fixtures/lint-bad/V2__index_without_concurrently.sql',
      line: 2,
      column: 1,
      severity: 'error',
    });
  });

  it('is silent on the corrected example migrations', () => {
    expect(lintMigrations(load('examples/db/migrations'))).toEqual([]);
  });

  it("finds the guide's own mistakes in its original SQL", () => {
    const rules = lintMigrations(load('test/migrate-db/fixtures/guide-original')).map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining(['password-literal', 'partition-of-unpartitioned', 'mixed-transaction']),
    );
  });

  it('checks PARTITION OF against the live catalog when the parent is not in the migration set', () => {
    const files = inline({
      'V1__p.sql': "CREATE TABLE ralph.o_2024 PARTITION OF ralph.o FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
    });
    const catalog = (kind: string): CatalogFacts => ({
      relkinds: new Map([['ralph.o', kind]]),
      volatileFunctions: new Set(),
    });
    expect(lintMigrations(files).map((f) => f.rule)).toEqual([]);
    expect(lintMigrations(files, { catalog: catalog('r') }).map((f) => f.rule)).toEqual(['partition-of-unpartitioned']);
    expect(lintMigrations(files, { catalog: catalog('p') })).toEqual([]);
  });

  it('tracks PARTITION BY across files and through DROP TABLE', () => {
    const files = inline({
      'V1__a.sql': 'CREATE TABLE t (id int, at date) PARTITION BY RANGE (at);',
      'V2__b.sql': "CREATE TABLE t1 PARTITION OF t FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      'V3__c.sql': 'DROP TABLE t1; DROP TABLE t; CREATE TABLE t (id int, at date);',
      'V4__d.sql': "CREATE TABLE t2 PARTITION OF public.t FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
    });
    expect(lintMigrations(files).map((f) => [f.rule, f.file])).toEqual([
      ['drop-table', 'V3__c.sql'],
      ['drop-table', 'V3__c.sql'],
      ['partition-of-unpartitioned', 'V4__d.sql'],
    ]);
  });

  it('uses the catalog to recognise volatile functions it does not know', () => {
    const files = inline({ 'V1__a.sql': 'ALTER TABLE t ADD COLUMN c int DEFAULT my_counter();' });
    expect(lintMigrations(files)).toEqual([]);
    expect(
      lintMigrations(files, { catalog: { relkinds: new Map(), volatileFunctions: new Set(['my_counter']) } }).map(
        (f) => f.rule,
      ),
    ).toEqual(['volatile-default']);
  });

  it('accepts safe forms of risky operations', () => {
    const files = inline({
      'V1__a.sql': [
        'ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0',
        'ALTER TABLE t ADD COLUMN d bigint GENERATED ALWAYS AS IDENTITY',
        'ALTER TABLE t ADD COLUMN e timestamptz DEFAULT now()',
        'ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID',
        'ALTER TABLE t VALIDATE CONSTRAINT fk',
        'ALTER TABLE t ADD CONSTRAINT uq UNIQUE USING INDEX uq_idx',
        "ALTER ROLE app PASSWORD '${app_password}'",
        'ALTER TABLE t RENAME CONSTRAINT a TO b',
      ].join(';\n'),
      'V2__b.sql': 'CREATE INDEX CONCURRENTLY i ON t (a)',
    });
    expect(lintMigrations(files)).toEqual([]);
  });

  it('reports only the target files but learns from all of them', () => {
    const files = inline({ 'V1__a.sql': 'CREATE TABLE t (id int);', 'V2__b.sql': 'CREATE INDEX i ON t (id);' });
    expect(lintMigrations(files, { targets: new Set(['V1__a.sql']) })).toEqual([]);
    expect(lintMigrations(files, { targets: new Set(['V2__b.sql']) }).map((f) => f.rule)).toEqual([
      'index-without-concurrently',
    ]);
  });

  it('gates on fail-on', () => {
    const findings = lintMigrations(inline({ 'V1__a.sql': 'DROP TABLE t; CREATE INDEX i ON u (a);' }));
    expect(failingFindings(findings, 'error').map((f) => f.rule)).toEqual(['index-without-concurrently']);
    expect(failingFindings(findings, 'warning')).toHaveLength(2);
    expect(failingFindings(findings, 'never')).toEqual([]);
  });
});
