import { describe, expect, it } from '@jest/globals';
import { splitStatements, SplitError } from '../src/sql/splitter.js';

const texts = (sql: string) => splitStatements(sql).statements.map((s) => s.text);

describe('splitStatements', () => {
  it('splits at top-level semicolons and records 1-based lines', () => {
    const r = splitStatements('SELECT 1;\n\n  SELECT 2;\nSELECT 3');
    expect(r.statements.map((s) => [s.text, s.line, s.column])).toEqual([
      ['SELECT 1', 1, 1],
      ['SELECT 2', 3, 3],
      ['SELECT 3', 4, 1],
    ]);
  });

  it('ignores semicolons in strings, doubled quotes and quoted identifiers', () => {
    expect(texts(`INSERT INTO t VALUES ('a;b', 'it''s; fine');CREATE TABLE "we;ird""x" (a int);`)).toEqual([
      `INSERT INTO t VALUES ('a;b', 'it''s; fine')`,
      `CREATE TABLE "we;ird""x" (a int)`,
    ]);
  });

  it('understands E strings with backslash escapes (a quote after a backslash does not end them)', () => {
    expect(texts(`SELECT E'don\\'t; stop';SELECT e'\\\\';SELECT 'x\\';SELECT 2`)).toEqual([
      `SELECT E'don\\'t; stop'`,
      `SELECT e'\\\\'`,
      `SELECT 'x\\'`,
      'SELECT 2',
    ]);
  });

  it('does not treat a backslash in a standard string as an escape', () => {
    expect(texts(`SELECT 'C:\\';SELECT 1`)).toEqual([`SELECT 'C:\\'`, 'SELECT 1']);
  });

  it('handles dollar quotes with and without tags, nested different tags, and $1 parameters', () => {
    const sql = `CREATE FUNCTION f() RETURNS int AS $body$
BEGIN
  PERFORM $$;$$; -- inner
  RETURN 1;
END
$body$ LANGUAGE plpgsql;
PREPARE p AS SELECT $1::int;
SELECT $$a;b$$`;
    const r = texts(sql);
    expect(r).toHaveLength(3);
    expect(r[0]).toMatch(/^CREATE FUNCTION[\s\S]*LANGUAGE plpgsql$/);
    expect(r[1]).toBe('PREPARE p AS SELECT $1::int');
    expect(r[2]).toBe('SELECT $$a;b$$');
  });

  it('keeps identifiers containing $ whole (a$$b is not a dollar quote)', () => {
    expect(texts('SELECT a$$b FROM t;SELECT 2')).toEqual(['SELECT a$$b FROM t', 'SELECT 2']);
  });

  it('skips line comments and nested block comments', () => {
    expect(texts(`-- a; comment\nSELECT 1 /* x; /* nested; */ still; */ + 1; -- tail;\nSELECT 2;`)).toEqual([
      'SELECT 1 /* x; /* nested; */ still; */ + 1',
      'SELECT 2',
    ]);
  });

  it('keeps SQL-standard function bodies (BEGIN ATOMIC ... END) together', () => {
    const sql = `CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;
  SELECT a + 1;
END;
SELECT 3;`;
    expect(texts(sql)).toEqual([sql.slice(0, sql.indexOf('END;\nSELECT 3') + 3), 'SELECT 3']);
  });

  it('does not count BEGIN in a transaction statement as a body', () => {
    expect(texts('BEGIN;SELECT 1;COMMIT;')).toEqual(['BEGIN', 'SELECT 1', 'COMMIT']);
  });

  it('drops empty statements', () => {
    expect(texts(';;SELECT 1;;  ;')).toEqual(['SELECT 1']);
  });

  it('treats U&, B and X strings as strings', () => {
    expect(texts(`SELECT U&'d\\0061t;a', B'1;0', X'1F', U&"a;b";SELECT 1`)).toHaveLength(2);
  });

  it('reports an unterminated string at its line and column', () => {
    try {
      splitStatements("SELECT 1;\n  SELECT 'oops;");
      throw new Error('expected an error');
    } catch (e: unknown) {
      expect(e).toBeInstanceOf(SplitError);
      expect((e as SplitError).line).toBe(2);
      expect((e as SplitError).column).toBe(10);
    }
  });

  it('reports unterminated dollar quotes and comments', () => {
    expect(() => splitStatements('SELECT $x$ abc $y$')).toThrow(/unterminated dollar-quoted string \$x\$/);
    expect(() => splitStatements('SELECT 1 /* /* */')).toThrow(/unterminated \/\* comment/);
  });

  it('refuses psql meta-commands with their line', () => {
    try {
      splitStatements('CREATE DATABASE x;\n\\c ralph_production\nCREATE SCHEMA a;');
      throw new Error('expected an error');
    } catch (e: unknown) {
      expect((e as SplitError).line).toBe(2);
      expect((e as Error).message).toMatch(/psql meta-command "\\c"/);
    }
  });

  it('keeps a backslash inside a string from looking like a meta-command', () => {
    expect(texts(`SELECT '\\c not a command';`)).toEqual([`SELECT '\\c not a command'`]);
  });
});
