import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { evaluateEnv, parseConfigurationParams } from '../src/checks/configuration/index.js';
import { parseEnvFile } from '../src/checks/configuration/env-file.js';
import { findCommittedSecrets } from '../src/checks/configuration/secrets.js';
import type { Finding } from '../src/types.js';
import { examplesDir, guideDir, lineOf } from './helpers.js';

const params = parseConfigurationParams({});
const problems = (fs: Finding[]) => fs.filter((f) => f.level !== 'pass');

describe('parseEnvFile', () => {
  it('reads values, quotes, export and inline comments with their positions', () => {
    const { entries, problems: bad } = parseEnvFile(
      '# c\nA=1  # one\nexport B="x # y"\nC=\'$(not run)\'\nD = spaced\nbroken line\n',
    );
    expect(entries.map((e) => [e.key, e.value, e.line, e.column])).toEqual([
      ['A', '1', 2, 3],
      ['B', 'x # y', 3, 10],
      ['C', '$(not run)', 4, 3],
      ['D', 'spaced', 5, 5],
    ]);
    expect(bad).toEqual([{ line: 6, message: 'is not KEY=value' }]);
  });
});

describe("the guide's .env.production", () => {
  const file = `${guideDir}/.env.production`;
  const text = readFileSync(file, 'utf8');
  const masked: string[] = [];
  const findings = evaluateEnv(text, '.env.production', params, (s) => masked.push(s));

  it('reports the password in DATABASE_URL and both $(openssl rand) keys at file:line', () => {
    const fails = findings.filter((f) => f.level === 'fail');
    expect(fails).toEqual([
      expect.objectContaining({
        line: lineOf(file, 'DATABASE_URL='),
        column: 14,
        message: expect.stringMatching(/DATABASE_URL embeds a password/),
      }),
      expect.objectContaining({
        line: lineOf(file, 'SECRET_KEY='),
        message: expect.stringMatching(/SECRET_KEY uses shell command substitution, which an env file never evaluates/),
      }),
      expect.objectContaining({
        line: lineOf(file, 'ENCRYPTION_KEY='),
        message: expect.stringMatching(/ENCRYPTION_KEY uses shell command substitution/),
      }),
    ]);
  });

  it('warns that the secret ARNs are placeholders', () => {
    expect(findings.filter((f) => f.level === 'warn').map((f) => f.line)).toEqual([
      lineOf(file, 'CLAUDE_API_KEY_SECRET'),
      lineOf(file, 'GEMINI_API_KEY_SECRET'),
    ]);
  });

  it('never puts a secret value in a message, and masks it', () => {
    const all = findings.map((f) => f.message).join('\n');
    expect(all).not.toContain('user:pass');
    expect(all).not.toMatch(/:pass@/);
    expect(all).not.toContain('openssl rand');
    expect(masked).toContain('pass');
  });
});

describe('the corrected examples/config/.env.production', () => {
  it('passes the schema and the secrets scan', () => {
    const f = evaluateEnv(
      readFileSync(`${examplesDir}/config/.env.production`, 'utf8'),
      'examples/config/.env.production',
      parseConfigurationParams({ 'unknown-keys': 'warn' }),
    );
    expect(problems(f)).toEqual([]);
  });
});

describe('schema checks', () => {
  const base = readFileSync(`${examplesDir}/config/.env.production`, 'utf8');
  const withLine = (key: string, value: string) => base.replace(new RegExp(`^${key}=.*$`, 'm'), `${key}=${value}`);
  const only = (text: string) => problems(evaluateEnv(text, 'e', parseConfigurationParams({ rules: ['schema'] })));

  it.each([
    ['RALPH_MAX_ITERATIONS', '0', /RALPH_MAX_ITERATIONS=0 is below the minimum 1/],
    ['RALPH_MAX_ITERATIONS', 'many', /is not a whole number/],
    ['RALPH_MAX_RUNTIME', '999999', /above the maximum 86400/],
    ['RALPH_MAX_TOKENS', '1.5', /not a whole number/],
    ['RALPH_MAX_COST', '-1', /below the minimum/],
    ['DATABASE_POOL_SIZE', '1000', /above the maximum 200/],
    ['REDIS_POOL_SIZE', '0', /below the minimum 1/],
    ['DATABASE_URL', 'mysql://db/x', /uses mysql:, expected postgres or postgresql/],
    ['REDIS_URL', 'not a url', /REDIS_URL is not a valid URL/],
    ['LOG_LEVEL', 'LOUD', /LOG_LEVEL="LOUD" is not one of/],
    ['API_RATE_LIMIT', '100 per fortnight', /not a rate limit/],
    ['CORS_ORIGINS', 'http://app.example.com', /is not https/],
    ['CORS_ORIGINS', '*', /allows every origin/],
    ['CORS_ORIGINS', 'https://app.example.com/path', /not a bare origin/],
    ['ALLOWED_HOSTS', 'https://x', /is not a host name/],
    ['METRICS_PORT', '70000', /is not a TCP port/],
  ])('%s=%s fails', (key, value, re) => {
    expect(only(withLine(key, value)).map((f) => f.message)).toEqual([expect.stringMatching(re)]);
  });

  it.each([
    ['LOG_LEVEL', 'debug'],
    ['API_RATE_LIMIT', '10/second;1000 per hour'],
    ['CORS_ORIGINS', 'https://a.example.com,https://b.example.com:8443'],
  ])('%s=%s passes', (key, value) => {
    expect(only(withLine(key, value))).toEqual([]);
  });

  it('requires keys, accepting the *_SECRET reference form', () => {
    const missing = only(base.replace(/^LOG_LEVEL=.*\n/m, '').replace(/^SECRET_KEY_SECRET=.*\n/m, ''));
    expect(missing.map((f) => f.message)).toEqual([
      'required key LOG_LEVEL is missing',
      'required key SECRET_KEY (or SECRET_KEY_SECRET) is missing',
    ]);
  });

  it('accepts a custom schema', () => {
    const p = parseConfigurationParams({
      rules: ['schema'],
      schema: { PORT: { type: 'int', min: 1024, required: true } },
    });
    expect(problems(evaluateEnv('PORT=80\n', 'e', p))[0]?.message).toBe('PORT=80 is below the minimum 1024');
    expect(() => parseConfigurationParams({ schema: { PORT: { type: 'integer' } } })).toThrow(
      /'schema.PORT.type' must be one of/,
    );
  });
});

describe('committed secrets', () => {
  const scan = (text: string) => findCommittedSecrets(parseEnvFile(text).entries);
  it('finds literal credentials by key name and by token format, never references', () => {
    const found = scan(
      [
        'DB_PASSWORD=hunter2hunter2',
        'GITHUB=ghp_abcdefghijklmnopqrstuvwxyz0123456789',
        'AWS_KEY_ID=AKIAABCDEFGHIJKLMNOP',
        'API_TOKEN=`head -c 32 /dev/urandom`',
        'SAFE_SECRET=arn:aws:secretsmanager:us-west-2:123456789012:secret:x',
        'VAULT_TOKEN=vault:secret/data/ralph#token',
        'EMPTY_PASSWORD=',
        'PLAIN=hello',
        'REDIS_URL=redis://:s3cret@redis:6379/0',
      ].join('\n'),
    );
    expect(found.map((f) => [f.key, f.line])).toEqual([
      ['DB_PASSWORD', 1],
      ['GITHUB', 2],
      ['AWS_KEY_ID', 3],
      ['API_TOKEN', 4],
      ['REDIS_URL', 9],
    ]);
    expect(found.map((f) => f.message).join('\n')).not.toMatch(/hunter2|ghp_|AKIA|s3cret/);
    expect(found.find((f) => f.key === 'REDIS_URL')?.secret).toBe('s3cret');
  });
});
