import { describe, expect, it } from '@jest/globals';
import { classify, classifyFile } from '../src/sql/classifier.js';
import { splitStatements, type Statement } from '../src/sql/splitter.js';

const one = (sql: string) => classify((splitStatements(sql).statements[0] as Statement).tokens);

describe('classify', () => {
  it.each([
    ['CREATE INDEX CONCURRENTLY i ON t (a)', 'CREATE INDEX CONCURRENTLY'],
    ['create unique index concurrently if not exists i on t (a)', 'CREATE INDEX CONCURRENTLY'],
    ['DROP INDEX CONCURRENTLY IF EXISTS i', 'DROP INDEX CONCURRENTLY'],
    ['REINDEX INDEX CONCURRENTLY i', 'REINDEX CONCURRENTLY'],
    ['REINDEX (VERBOSE) TABLE CONCURRENTLY t', 'REINDEX CONCURRENTLY'],
    ['REINDEX DATABASE app', 'REINDEX DATABASE'],
    ["ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok'", 'ALTER TYPE ... ADD VALUE'],
    ['VACUUM ANALYZE ralph.orchestrations', 'VACUUM'],
    ['vacuum (analyze, verbose) t', 'VACUUM'],
    ['CREATE DATABASE x', 'CREATE DATABASE'],
    ['DROP DATABASE IF EXISTS x', 'DROP DATABASE'],
    ["ALTER SYSTEM SET work_mem = '64MB'", 'ALTER SYSTEM'],
    ["CREATE TABLESPACE fast LOCATION '/ssd'", 'CREATE TABLESPACE'],
    ['DROP TABLESPACE fast', 'DROP TABLESPACE'],
    ['ALTER DATABASE app SET TABLESPACE fast', 'ALTER DATABASE ... SET TABLESPACE'],
    ['ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY', 'ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY'],
    ["CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", 'CREATE SUBSCRIPTION'],
    ['CLUSTER', 'CLUSTER (all tables)'],
    ['DISCARD ALL', 'DISCARD ALL'],
    ["COMMIT PREPARED 'x'", 'COMMIT PREPARED'],
  ])('%s cannot run in a transaction', (sql, why) => {
    expect(one(sql).nonTransactional).toBe(why);
  });

  it.each([
    'CREATE INDEX i ON t (a)',
    "ALTER TYPE mood RENAME VALUE 'a' TO 'b'",
    'ALTER TYPE mood ADD ATTRIBUTE x int',
    'CLUSTER t USING i',
    'REINDEX TABLE t',
    "SELECT 'VACUUM'",
    '/* VACUUM */ SELECT 1',
    'ALTER TABLE p DETACH PARTITION p1',
    'ALTER DATABASE app SET work_mem = 1',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY mv',
    'CREATE FUNCTION f() RETURNS void AS $$ VACUUM $$ LANGUAGE sql',
    'DISCARD PLANS',
  ])('%s runs in a transaction', (sql) => {
    expect(one(sql)).toEqual({});
  });

  it.each([
    ['BEGIN', 'BEGIN'],
    ['START TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'START TRANSACTION'],
    ['COMMIT', 'COMMIT'],
    ['END', 'END'],
    ['ROLLBACK TO SAVEPOINT a', 'ROLLBACK'],
    ['SAVEPOINT a', 'SAVEPOINT'],
    ["PREPARE TRANSACTION 'x'", 'PREPARE TRANSACTION'],
  ])('%s is transaction control', (sql, what) => {
    expect(one(sql).transactionControl).toBe(what);
  });

  it('refuses COPY FROM STDIN but not COPY TO STDOUT', () => {
    expect(one('COPY t FROM STDIN').unsupported).toMatch(/psql/);
    expect(one('COPY t TO STDOUT')).toEqual({});
  });
});

describe('classifyFile', () => {
  const file = (sql: string, noTransactionHeader = false) =>
    classifyFile(splitStatements(sql).statements, {
      noTransactionHeader,
      suggestedSplitName: 'V3.1__x_concurrently.sql',
    });

  it('runs transactional files in a transaction and all-non-transactional files without', () => {
    expect(file('CREATE TABLE a (x int); CREATE INDEX ON a (x);')).toEqual({ mode: 'transaction', problems: [] });
    expect(file('VACUUM a; CREATE INDEX CONCURRENTLY i ON a (x);')).toEqual({ mode: 'no-transaction', problems: [] });
  });

  it('refuses a mixed file and says how to split it', () => {
    const r = file('CREATE TABLE a (x int);\nCREATE INDEX CONCURRENTLY i ON a (x);');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.rule).toBe('mixed-transaction');
    expect(r.problems[0]?.statement.line).toBe(2);
    expect(r.problems[0]?.message).toMatch(
      /CREATE INDEX CONCURRENTLY cannot run inside a transaction.*line 1.*V3\.1__x_concurrently\.sql.*ralph:no-transaction/,
    );
  });

  it('accepts a mixed file with the no-transaction header', () => {
    expect(file('CREATE TABLE a (x int); CREATE INDEX CONCURRENTLY i ON a (x);', true)).toEqual({
      mode: 'no-transaction',
      problems: [],
    });
  });

  it('refuses BEGIN/COMMIT in a file', () => {
    const r = file('BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;');
    expect(r.problems.map((p) => [p.rule, p.statement.line])).toEqual([
      ['transaction-control', 1],
      ['transaction-control', 3],
    ]);
  });
});
