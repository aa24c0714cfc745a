import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SourceError } from '@ralph-deploy/common';
import { deepMerge, input, loadSpec, parseYamlDocuments, selectSection, specSchema } from '../src/index.js';

const write = (text: string) => {
  const f = join(mkdtempSync(join(tmpdir(), 'spec-')), 'ralph-deploy.yml');
  writeFileSync(f, text);
  return f;
};
const errorOf = (fn: () => unknown): SourceError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof SourceError) return e;
    throw e;
  }
  throw new Error('expected a SourceError');
};

describe('input declarations', () => {
  it('parse good values', () => {
    expect(input.duration({ description: '' }).parse('1h30m')).toBe(5_400_000);
    expect(input.boolean({ description: '' }).parse('FALSE')).toBe(false);
    expect(input.number({ description: '', min: 1 }).parse('2.5')).toBe(2.5);
    expect(input.list({ description: '' }).parse('a\n# comment\n\nb')).toEqual(['a', 'b']);
    expect(input.map({ description: '' }).parse('a=1\nb = x=y')).toEqual({ a: '1', b: 'x=y' });
    expect(input.enum(['x', 'y'] as const, { description: '' }).parse(' y ')).toBe('y');
    expect(input.url({ description: '', protocols: ['https'] }).parse('https://a.example')).toBe('https://a.example');
    expect(input.structured(z.array(z.object({ path: z.string() })), { description: '' }).parse('- path: /x')).toEqual([
      { path: '/x' },
    ]);
  });

  it('reject bad values with a reason', () => {
    expect(() => input.duration({ description: '', max: '1h' }).parse('2h')).toThrow(
      '2h is longer than the maximum 1h',
    );
    expect(() => input.number({ description: '', min: 1 }).parse('0')).toThrow('0 is below the minimum 1');
    expect(() => input.number({ description: '' }).parse('')).toThrow('is not a number');
    expect(() => input.url({ description: '', protocols: ['https'] }).parse('http://a')).toThrow(
      '"http://a" must use https',
    );
    expect(() => input.url({ description: '' }).parse('not a url')).toThrow('"not a url" is not a URL');
    expect(() =>
      input.structured(z.array(z.object({ path: z.string() })), { description: '' }).parse('- path: 3'),
    ).toThrow(/is invalid at 0\.path/);
    expect(() => input.structured(z.array(z.string()), { description: '' }).parse('[unclosed')).toThrow(
      /is not valid YAML or JSON/,
    );
    expect(() =>
      input.string({ description: '', pattern: /^[a-z]+$/, patternHint: 'must be lower-case letters' }).parse('A1'),
    ).toThrow('"A1" must be lower-case letters');
  });

  it('converts spec values', () => {
    expect(input.duration({ description: '' }).fromSpec(30)).toBe(30_000);
    expect(input.list({ description: '' }).fromSpec(['a', 2])).toEqual(['a', '2']);
    expect(input.map({ description: '' }).fromSpec({ a: 1, b: true })).toEqual({ a: '1', b: 'true' });
  });
});

describe('YAML positions', () => {
  it('locates keys and values in every document of a multi-document file', () => {
    const docs = parseYamlDocuments(
      'a: 1\n---\n# c\nkind: Deployment\nspec:\n  list:\n    - x\n    - name: y\n',
      'm.yaml',
    );
    expect(docs).toHaveLength(2);
    expect(docs[1]?.line).toBe(4);
    expect(docs[1]?.locate(['spec', 'list', 1, 'name'])).toEqual({ line: 8, column: 13 });
    expect(docs[1]?.locateKey(['spec', 'list'])).toEqual({ line: 6, column: 3 });
  });

  it('reads YAML 1.1 octals on request and points a missing field at its closest ancestor', () => {
    expect(parseYamlDocuments('m: 0400\n', 'a.yaml')[0]?.value).toEqual({ m: 400 });
    const [doc] = parseYamlDocuments('spec:\n  mode: 0400\n', 'a.yaml', { yaml11: true });
    expect(doc?.value).toEqual({ spec: { mode: 256 } });
    expect(doc?.nearest(['spec', 'missing', 'deeper'])).toEqual({ line: 1, column: 1 });
    expect(doc?.nearest(['spec', 'mode'])).toEqual({ line: 2, column: 3 });
  });

  it('reports syntax errors at file:line:column', () => {
    const e = errorOf(() => parseYamlDocuments('a: 1\nb: [1, 2\n', 'bad.yaml'));
    expect(e.message).toMatch(/^bad\.yaml:\d+:\d+: invalid YAML: /);
  });
});

describe('spec file', () => {
  it('merges defaults with the environment and locates each value', () => {
    const f = write(
      [
        'version: 1',
        'defaults:',
        '  backup:',
        '    keep-last: 3',
        '    destination: file:///a',
        'environments:',
        '  production:',
        '    backup:',
        '      destination: s3://b/p',
        '',
      ].join('\n'),
    );
    const spec = loadSpec(f, { displayPath: 'spec.yml' });
    expect(spec?.environments).toEqual(['production']);
    const s = selectSection(spec!, 'backup', 'production');
    expect(s.values).toEqual({ 'keep-last': 3, destination: 's3://b/p' });
    expect(s.locate(['destination'])).toEqual({ file: 'spec.yml', line: 9, column: 20 });
    expect(s.locate(['keep-last'])).toEqual({ file: 'spec.yml', line: 4, column: 16 });
  });

  it.each([
    ['version: 2\nenvironments: {}\n', /^spec\.yml:1:10: version: /],
    ['environments: {}\n', /^spec\.yml:1:1: version: /],
    [
      'version: 1\nenvironments:\n  prod:\n    smoke-test:\n      base-url: 5\n',
      /^spec\.yml:5:17: environments\.prod\.smoke-test\.base-url: /,
    ],
    [
      'version: 1\nenvironments:\n  prod:\n    smoke-tset: {}\n',
      /^spec\.yml:4:5: environments\.prod\.smoke-tset: unknown setting 'smoke-tset' \(did you mean 'smoke-test'\?\)$/,
    ],
    [
      'version: 1\nenvironments:\n  prod:\n    backup:\n      database-url: postgres\n',
      /^spec\.yml:5:21: environments\.prod\.backup\.database-url: a secret must be a reference to an environment variable/,
    ],
    [
      'version: 1\nenvironments:\n  prod:\n    url: https://u:hunter22@x.example\n',
      /^spec\.yml:4:10: environments\.prod\.url: a URL with an embedded password is an inline secret/,
    ],
    ['version: 1\nenvironments:\n  prod:\n    provision:\n      db_password: hunter22\n', /inline secret/],
    [
      'version: 1\nenvironments:\n  prod:\n    smoke-test:\n      checks:\n        - path: /x\n          headers:\n            Authorization: Bearer abc123\n',
      /^spec\.yml:8:28: environments\.prod\.smoke-test\.checks\.0\.headers\.Authorization: inline secret/,
    ],
    ['', /^spec\.yml:1:1: spec file is empty$/],
  ])('rejects %p', (text, message) => {
    expect(errorOf(() => loadSpec(write(text), { displayPath: 'spec.yml' })).message).toMatch(message);
  });

  it('never prints an inline secret it rejects', () => {
    const e = errorOf(() =>
      loadSpec(write('version: 1\nenvironments:\n  prod:\n    url: https://u:hunter22@x.example\n'), {
        displayPath: 'spec.yml',
      }),
    );
    expect(e.message).not.toContain('hunter22');
  });

  it('treats a missing default file as no spec and a missing named file as an error', () => {
    expect(loadSpec('/nonexistent/ralph-deploy.yml')).toBeUndefined();
    expect(errorOf(() => loadSpec('/nonexistent/x.yml', { required: true, displayPath: 'x.yml' })).message).toBe(
      'x.yml: spec file not found',
    );
  });

  it('exports a JSON Schema for editors', () => {
    const schema = z.toJSONSchema(specSchema(), { unrepresentable: 'any' }) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'environments']));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['version', 'defaults', 'environments']));
  });

  it('deep-merges objects and replaces lists', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] }, d: 1 });
  });
});
