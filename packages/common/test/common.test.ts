import { describe, expect, it } from '@jest/globals';
import {
  formatDuration,
  parseDuration,
  redactText,
  retry,
  secretVariants,
  passwordsInText,
  redactUrl,
  errorMessage,
} from '../src/index.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1.5s', 1500],
    ['30', 30_000],
    [' 5S ', 5000],
  ])('%s -> %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', 'five', '5x', '5s3', '-5s', 's5', '5 s'])('rejects %p', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
  it('formats', () => {
    expect(formatDuration(450)).toBe('450ms');
    expect(formatDuration(93_000)).toBe('1m33s');
    expect(formatDuration(3_600_000)).toBe('1h');
  });
});

describe('retry', () => {
  it('retries until success and labels each retry', async () => {
    const seen: string[] = [];
    let calls = 0;
    const value = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error(`boom ${calls}`);
        return 'ok';
      },
      {
        attempts: 5,
        sleep: async () => undefined,
        random: () => 0.5,
        label: 'GET x',
        onRetry: (i) => seen.push(`${i.label}#${i.attempt}:${i.delayMs}`),
      },
    );
    expect(value).toBe('ok');
    expect(seen).toEqual(['GET x#1:100', 'GET x#2:200']);
  });
  it('stops on a non-retryable error and after the last attempt', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('fatal');
        },
        { isRetryable: () => false, sleep: async () => undefined },
      ),
    ).rejects.toThrow('fatal');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('again');
        },
        { attempts: 3, sleep: async () => undefined },
      ),
    ).rejects.toThrow('again');
    expect(calls).toBe(3);
  });
});

describe('secrets', () => {
  it('finds every printable form of a URL password', () => {
    const v = secretVariants('postgres://app:p%40ss%2Fw0rd@db:5432/x');
    expect(v).toEqual(expect.arrayContaining(['p%40ss%2Fw0rd', 'p@ss/w0rd', 'app:p%40ss%2Fw0rd']));
  });
  it('finds passwords embedded in free text', () => {
    expect(passwordsInText('connect to redis://:hunter22@cache:6379 failed')).toContain('hunter22');
  });
  it('redacts longest first', () => {
    expect(redactText('a secret-long and secret', ['secret', 'secret-long'])).toBe('a *** and ***');
  });
  it('redacts a URL for display', () => {
    expect(redactUrl('postgres://app:pw123@db/x')).toBe('postgres://app:***@db/x');
  });
  it('errorMessage handles anything', () => {
    expect(errorMessage(new Error('x'))).toBe('x');
    expect(errorMessage('y')).toBe('y');
    expect(errorMessage({ a: 1 })).toBe('{"a":1}');
  });
});
