import { describe, expect, it } from '@jest/globals';
import { SourceError } from '@ralph-deploy/common';
import { parseQuantity } from '../src/quantity.js';
import { loadYamlDocuments } from '../src/yaml-source.js';

describe('parseQuantity', () => {
  it.each([
    ['2', 2],
    ['500m', 0.5],
    ['1.5', 1.5],
    ['4Gi', 4 * 2 ** 30],
    ['4096Mi', 4 * 2 ** 30],
    ['512Ki', 512 * 1024],
    ['1G', 1e9],
    ['1e3', 1000],
    ['12E-1', 1.2],
    ['100k', 100_000],
    [2, 2],
  ])('%s -> %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 9);
  });
  it.each(['4GB', 'abc', '', '1.2.3', 'Gi'])('rejects %s', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe('loadYamlDocuments', () => {
  const text = ['# comment', 'a: 0400', 'b:', '  - name: x', '    v: 1', '---', 'k: [1, {c: 2}]', ''].join('\n');
  it('reads YAML 1.1 octal like Kubernetes and points at keys and items', () => {
    const docs = loadYamlDocuments(text, 'f.yaml');
    expect(docs).toHaveLength(2);
    expect((docs[0]?.value as { a: number }).a).toBe(256);
    expect(docs[0]?.position(['a'])).toEqual({ line: 2, column: 1 });
    expect(docs[0]?.position(['b', 0])).toEqual({ line: 4, column: 5 });
    expect(docs[0]?.position(['b', 0, 'v'])).toEqual({ line: 5, column: 5 });
    expect(docs[1]?.position(['k', 1, 'c'])).toEqual({ line: 7, column: 9 });
    // A missing path points at its closest written ancestor.
    expect(docs[0]?.position(['b', 0, 'nope', 'x'])).toEqual({ line: 4, column: 5 });
  });
  it('reports syntax errors at file:line:col', () => {
    expect(() => loadYamlDocuments('a: 1\nb: [\n', 'bad.yaml')).toThrow(SourceError);
    try {
      loadYamlDocuments('a: 1\n b: 2\n', 'bad.yaml');
    } catch (e: unknown) {
      expect((e as SourceError).message).toMatch(/^bad\.yaml:2:\d+: invalid YAML/);
    }
  });
});
