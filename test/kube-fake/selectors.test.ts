import { describe, expect, it } from '@jest/globals';
import { matchesAll, parseLabelSelector, selectorMatches, selectorToString } from './selectors.js';

const labels = { app: 'web', tier: 'front', version: '3' };
const match = (selector: string, l: Record<string, string> | undefined = labels) =>
  matchesAll(l, parseLabelSelector(selector));

describe('label selectors', () => {
  it('equality-based', () => {
    expect(match('app=web')).toBe(true);
    expect(match('app==web,tier=front')).toBe(true);
    expect(match('app!=web')).toBe(false);
    expect(match('missing!=x')).toBe(true);
    expect(match('app=')).toBe(false);
  });

  it('set-based: in, notin, exists, !exists, gt/lt', () => {
    expect(match('tier in (front, back)')).toBe(true);
    expect(match('tier notin (front)')).toBe(false);
    expect(match('missing notin (x)')).toBe(true);
    expect(match('app,!canary')).toBe(true);
    expect(match('!app')).toBe(false);
    expect(match('version>2,version<4')).toBe(true);
    expect(match('environment in (prod),app=web')).toBe(false);
    expect(match('')).toBe(true);
  });

  it('rejects malformed selectors', () => {
    expect(() => parseLabelSelector('app in (a')).toThrow();
    expect(() => parseLabelSelector('-bad=x')).toThrow(/invalid label key/);
    expect(() => parseLabelSelector('a=b c')).toThrow();
  });

  it('structured LabelSelector: empty matches all, missing matches nothing', () => {
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches(undefined, labels)).toBe(false);
    expect(
      selectorMatches(
        {
          matchLabels: { app: 'web' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['front'] },
            { key: 'canary', operator: 'DoesNotExist' },
          ],
        },
        labels,
      ),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(
      false,
    );
    expect(
      selectorToString({
        matchLabels: { tier: 'front', app: 'web' },
        matchExpressions: [{ key: 'z', operator: 'In', values: ['b', 'a'] }],
      }),
    ).toBe('app=web,tier=front,z in (a,b)');
  });
});
