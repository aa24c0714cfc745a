import { describe, expect, it } from '@jest/globals';
import { JsonPathError, jsonEquals, parseJsonPath, selectJsonPath } from '../src/json-path.js';

describe('parseJsonPath', () => {
  it('parses members, quoted names and indexes', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$.a.b-c[0]')).toEqual(['a', 'b-c', 0]);
    expect(parseJsonPath('$[\'x.y\']["q\\"t"][-1]')).toEqual(['x.y', 'q"t', -1]);
    expect(parseJsonPath('status.db')).toEqual(['status', 'db']);
  });

  it.each(['$..a', '$.a[*]', '$[1:2]', '$[?(@.a)]', "$['open", '$.', '$a'])('rejects %s', (p) => {
    expect(() => parseJsonPath(p)).toThrow(JsonPathError);
  });
});

describe('selectJsonPath', () => {
  const doc = {
    status: 'ok',
    checks: [
      { name: 'db', up: true },
      { name: 'redis', up: false },
    ],
    'a.b': 1,
    n: null,
  };

  it('selects values, including null and falsy ones', () => {
    expect(selectJsonPath(doc, '$.status')).toEqual({ found: true, value: 'ok' });
    expect(selectJsonPath(doc, '$.checks[1].up')).toEqual({ found: true, value: false });
    expect(selectJsonPath(doc, '$.checks[-1].name')).toEqual({ found: true, value: 'redis' });
    expect(selectJsonPath(doc, "$['a.b']")).toEqual({ found: true, value: 1 });
    expect(selectJsonPath(doc, '$.n')).toEqual({ found: true, value: null });
  });

  it('reports missing members and out-of-range indexes as not found', () => {
    expect(selectJsonPath(doc, '$.missing')).toEqual({ found: false });
    expect(selectJsonPath(doc, '$.checks[5]')).toEqual({ found: false });
    expect(selectJsonPath(doc, '$.status.length')).toEqual({ found: false });
    expect(selectJsonPath(doc, '$.checks.name')).toEqual({ found: false });
    expect(selectJsonPath([1], '$.toString')).toEqual({ found: false });
  });
});

describe('jsonEquals', () => {
  it('compares structurally, ignoring key order', () => {
    expect(jsonEquals({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(jsonEquals({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
    expect(jsonEquals('1', 1)).toBe(false);
    expect(jsonEquals(null, {})).toBe(false);
    expect(jsonEquals(true, true)).toBe(true);
  });
});
