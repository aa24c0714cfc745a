import { describe, expect, it } from '@jest/globals';
import { judgeSamples, parseCondition, samplesOf } from '../src/prometheus.js';

describe('parseCondition', () => {
  it('parses an operator and a number', () => {
    expect(parseCondition('< 0.1')).toEqual({ operator: '<', value: 0.1 });
    expect(parseCondition('>=5')).toEqual({ operator: '>=', value: 5 });
    expect(parseCondition('== -1e-3')).toEqual({ operator: '==', value: -0.001 });
  });
  it.each(['0.1', '< abc', '=> 1', ''])('rejects %j', (c) => {
    expect(() => parseCondition(c)).toThrow(/condition/);
  });
});

describe('samplesOf', () => {
  it('reads vector and scalar results', () => {
    expect(
      samplesOf({
        resultType: 'vector',
        result: [
          { metric: { __name__: 'up', job: 'a' }, value: [1, '1'] },
          { metric: {}, value: [1, 'NaN'] },
        ],
      }),
    ).toEqual([
      { labels: 'up{job="a"}', raw: '1' },
      { labels: '{}', raw: 'NaN' },
    ]);
    expect(samplesOf({ resultType: 'scalar', result: [1, '0.5'] })).toEqual([{ labels: 'scalar', raw: '0.5' }]);
  });
  it('refuses range and string results', () => {
    expect(() => samplesOf({ resultType: 'matrix', result: [] })).toThrow(/instant query/);
    expect(() => samplesOf({ resultType: 'string', result: [1, 'x'] })).toThrow(/not supported/);
  });
});

describe('judgeSamples', () => {
  const lt = parseCondition('< 0.1');
  it('passes only when every series meets the condition', () => {
    expect(judgeSamples([{ labels: 'a', raw: '0.05' }], lt).verdict).toBe('pass');
    const r = judgeSamples(
      [
        { labels: 'a', raw: '0.05' },
        { labels: 'b', raw: '0.2' },
      ],
      lt,
    );
    expect(r.verdict).toBe('fail');
    expect(r.detail).toBe('b = 0.2 is not < 0.1');
  });
  it('treats an empty result and NaN as no data, never as a pass', () => {
    expect(judgeSamples([], lt).verdict).toBe('no-data');
    expect(judgeSamples([{ labels: 'a', raw: 'NaN' }], lt)).toMatchObject({ verdict: 'no-data', detail: 'NaN for a' });
  });
  it('compares +Inf like Prometheus does', () => {
    expect(judgeSamples([{ labels: 'a', raw: '+Inf' }], lt).verdict).toBe('fail');
  });
});
