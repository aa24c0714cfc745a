import { describe, expect, it } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import { memoryLogger } from '@ralph-deploy/common';
import { callWithRetry, toKubeError } from '../src/client.js';
import { KubeApiError, isRetryableKubeError, parseRetryAfter } from '../src/errors.js';

function apiError(code: number, message: string, headers: Record<string, string> = {}) {
  return new ApiException(
    code,
    'Unknown API Status Code!',
    { kind: 'Status', message, reason: code === 409 ? 'Conflict' : undefined },
    headers,
  );
}

describe('callWithRetry', () => {
  it('retries 429 no sooner than Retry-After, then succeeds, logging a labelled line', async () => {
    const log = memoryLogger();
    const waits: number[] = [];
    let calls = 0;
    const result = await callWithRetry(
      'GET deployment ns/web',
      async () => {
        calls++;
        if (calls === 1) throw apiError(429, 'too many requests', { 'retry-after': '3' });
        return 'ok';
      },
      { log, attempts: 4, baseDelayMs: 10, maxDelayMs: 20, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(2);
    expect(waits).toEqual([3000]);
    expect(log.lines.join('\n')).toMatch(
      /retry: GET deployment ns\/web failed \(attempt 1\/4\): 429: too many requests; retrying in 3000ms \(Retry-After 3s\)/,
    );
  });

  it('retries 409 and 5xx up to the attempt bound and then throws a one-line error', async () => {
    let calls = 0;
    const p = callWithRetry(
      'PATCH deployment ns/web',
      async () => {
        calls++;
        throw apiError(calls % 2 ? 503 : 409, 'busy');
      },
      { log: memoryLogger(), attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined },
    );
    await expect(p).rejects.toThrow(/^503: busy$/);
    expect(calls).toBe(3);
  });

  it('does not retry 404 or 422', async () => {
    let calls = 0;
    const p = callWithRetry(
      'GET x',
      async () => {
        calls++;
        throw apiError(422, 'spec.template: Invalid value');
      },
      { log: memoryLogger(), attempts: 5, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined },
    );
    await expect(p).rejects.toBeInstanceOf(KubeApiError);
    expect(calls).toBe(1);
  });

  it('retries network errors such as ECONNRESET', async () => {
    let calls = 0;
    const r = await callWithRetry(
      'LIST pods',
      async () => {
        calls++;
        if (calls < 3)
          throw new TypeError('fetch failed', {
            cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
          });
        return calls;
      },
      { log: memoryLogger(), attempts: 5, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined },
    );
    expect(r).toBe(3);
  });
});

describe('errors', () => {
  it('classifies retryable errors', () => {
    expect(isRetryableKubeError(new KubeApiError(429, 'x'))).toBe(true);
    expect(isRetryableKubeError(new KubeApiError(500, 'x'))).toBe(true);
    expect(isRetryableKubeError(new KubeApiError(409, 'x'))).toBe(true);
    expect(isRetryableKubeError(new KubeApiError(403, 'x'))).toBe(false);
    expect(isRetryableKubeError(new Error('boom'))).toBe(false);
  });

  it('parses Retry-After as seconds or an HTTP date, capped', () => {
    expect(parseRetryAfter('2')).toBe(2);
    expect(parseRetryAfter(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5);
    expect(parseRetryAfter('9999')).toBe(60);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('keeps the Status message and reason from an ApiException', () => {
    const e = toKubeError(apiError(409, 'the object has been modified'));
    expect(e).toBeInstanceOf(KubeApiError);
    expect((e as KubeApiError).message).toBe('409 Conflict: the object has been modified');
    expect((e as KubeApiError).reason).toBe('Conflict');
  });
});
