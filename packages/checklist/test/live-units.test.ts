import { describe, expect, it } from '@jest/globals';
import { parseLiveParams } from '../src/checks/live/index.js';
import { versionNum } from '../src/checks/live/postgres.js';
import { encodeCommand, parseReply } from '../src/checks/live/redis.js';

describe('RESP', () => {
  it('encodes commands as arrays of bulk strings (byte lengths)', () => {
    expect(encodeCommand(['AUTH', 'pä'])).toBe('*2\r\n$4\r\nAUTH\r\n$3\r\npä\r\n');
  });
  it('parses simple, error, integer and bulk replies, and waits for partial ones', () => {
    expect(parseReply(Buffer.from('+PONG\r\n'))?.value).toBe('PONG');
    expect(parseReply(Buffer.from('-WRONGPASS invalid\r\n'))).toMatchObject({
      value: null,
      error: 'WRONGPASS invalid',
    });
    expect(parseReply(Buffer.from(':12\r\n'))?.value).toBe('12');
    const bulk = parseReply(Buffer.from('$11\r\nredis_versi\r\n+OK\r\n'));
    expect(bulk?.value).toBe('redis_versi');
    expect(bulk?.rest.toString()).toBe('+OK\r\n');
    expect(parseReply(Buffer.from('$11\r\nredis'))).toBeUndefined();
    expect(parseReply(Buffer.from('$-1\r\n'))?.value).toBeNull();
  });
});

describe('live parameters', () => {
  it('validates the probe and numbers', () => {
    expect(() => parseLiveParams({ probe: 'ftp' })).toThrow(/'probe' must be one of postgres, redis/);
    expect(() => parseLiveParams({ probe: 'tls', 'min-days': -1 })).toThrow(/'min-days' must be a non-negative number/);
    expect(parseLiveParams({ probe: 'tls' })).toMatchObject({ minDays: 14, timeoutMs: 10_000 });
  });
  it('compares PostgreSQL versions as server_version_num does', () => {
    expect(versionNum('15')).toBe(150000);
    expect(versionNum('14.2')).toBe(140002);
  });
});
