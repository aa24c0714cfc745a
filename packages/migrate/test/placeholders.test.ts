import { describe, expect, it } from '@jest/globals';
import { placeholdersUsed, resolvePlaceholders, substitute, UnknownPlaceholderError } from '../src/placeholders.js';
import { prepareMigration } from '../src/prepare.js';

describe('placeholders', () => {
  it('resolves plain values and environment variables (secret)', () => {
    expect(resolvePlaceholders({ a: 'x', n: 3, b: { env: 'PW' } }, { PW: 'hunter22' })).toEqual({
      a: { value: 'x', secret: false },
      n: { value: '3', secret: false },
      b: { value: 'hunter22', secret: true },
    });
    const missing = resolvePlaceholders({ b: { env: 'NOPE' } }, {});
    expect(substitute('SELECT 1', missing)).toBe('SELECT 1');
    expect(() => substitute('SELECT ${b}', missing)).toThrow(
      'placeholder ${b} reads environment variable NOPE, which is not set',
    );
  });

  it('substitutes ${name}, built-ins, and reports unknown names with their offset', () => {
    expect(
      substitute(
        'GRANT ${r} TO ${ralph:filename}',
        { r: { value: 'app', secret: false } },
        { 'ralph:filename': 'V1.sql' },
      ),
    ).toBe('GRANT app TO V1.sql');
    try {
      substitute('SELECT ${a}, ${b}', { a: { value: '1', secret: false } });
      throw new Error('expected');
    } catch (e: unknown) {
      expect(e).toBeInstanceOf(UnknownPlaceholderError);
      expect((e as UnknownPlaceholderError).offset).toBe(13);
    }
    expect(placeholdersUsed('${a} ${b} ${a}')).toEqual(['a', 'b']);
  });

  it('keeps statement boundaries from the file, whatever a value contains', () => {
    const m = prepareMigration(
      {
        kind: 'versioned',
        version: '1',
        description: 'x',
        script: 'V1__x.sql',
        displayPath: 'V1__x.sql',
        absPath: 'V1__x.sql',
        text: "SELECT '${v}';\nSELECT 2;",
        checksum: 'c',
      },
      { v: { value: "a';b", secret: false } },
    );
    expect(m.statements.map((s) => s.sql)).toEqual(["SELECT 'a';b'", 'SELECT 2']);
  });

  it('re-applies a repeatable when a plain value it uses changes, never hashing secrets', () => {
    const make = (values: Record<string, { value: string; secret: boolean }>) =>
      prepareMigration(
        {
          kind: 'repeatable',
          description: 'v',
          script: 'R__v.sql',
          displayPath: 'R__v.sql',
          absPath: 'R__v.sql',
          text: 'SELECT ${days}, ${pw};',
          checksum: 'c',
        },
        values,
      ).effectiveChecksum;
    const a = make({ days: { value: '30', secret: false }, pw: { value: 'one', secret: true } });
    expect(make({ days: { value: '31', secret: false }, pw: { value: 'one', secret: true } })).not.toBe(a);
    expect(make({ days: { value: '30', secret: false }, pw: { value: 'two', secret: true } })).toBe(a);
  });
});
