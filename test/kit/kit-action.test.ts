import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leaksOf, repoRoot, runAction } from '../harness/run-action.js';

// The kit is exercised through a real ncc bundle of test/fixtures/kit-action, run as the runner runs it.
let dir: string;
let bundle: string;
const password = 'Sup3r/S3cret@pw';
const dbUrl = `postgresql://app:${encodeURIComponent(password)}@db.internal:5432/ralph`;
const token = 'ghs_tokenvalue1234567890';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kit-bundle-'));
  execFileSync(
    join(repoRoot, 'node_modules/.bin/ncc'),
    ['build', join(repoRoot, 'test/fixtures/kit-action/main.ts'), '-o', dir, '-q', '-t', '--target', 'es2022'],
    {
      cwd: repoRoot,
    },
  );
  bundle = join(dir, 'index.js');
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (inputs: Record<string, string>, extra: Parameters<typeof runAction>[1] = {}) =>
  runAction('kit-fixture', { bundle, ...extra, inputs });

describe('typed inputs', () => {
  it('parses every input type and sets outputs', async () => {
    const r = await run({
      'lock-timeout': '1m30s',
      'lock-retries': '7',
      paths: 'a, b ,c',
      labels: 'team=core\ntier = web',
      verbose: 'yes',
      'dry-run': 'true',
    });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      'lock-timeout-ms': '90000',
      'lock-retries': '7',
      paths: '["a","b","c"]',
      labels: '{"team":"core","tier":"web"}',
      verbose: 'true',
      'dry-run': 'true',
      actor: 'octo-deployer',
    });
  });

  it('applies declared defaults', async () => {
    const r = await run({});
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      'lock-timeout-ms': '5000',
      'lock-retries': '3',
      verbose: 'false',
      'dry-run': 'false',
    });
  });

  it.each([
    [{ 'lock-retries': '11' }, "Input 'lock-retries': 11 is above the maximum 10"],
    [{ 'lock-retries': '2.5' }, "Input 'lock-retries': 2.5 is not a whole number"],
    [{ 'lock-retries': 'many' }, `Input 'lock-retries': "many" is not a number`],
    [
      { 'lock-timeout': '5 minutes' },
      `Input 'lock-timeout': "5 minutes" is not a duration (examples: 500ms, 5s, 10m, 1h)`,
    ],
    [{ mode: 'explode' }, `Input 'mode': "explode" is not one of ok, fail, crash, annotate, hang, leak`],
    [{ verbose: 'sure' }, `Input 'verbose': "sure" is not a boolean (use true or false)`],
    [{ labels: 'novalue' }, "Input 'labels': line 1 is not key=value"],
    [{ timeout: 'soon' }, `Input 'timeout': "soon" is not a duration (examples: 500ms, 5s, 10m, 1h)`],
  ])('rejects %p with one line naming the input', async (inputs, message) => {
    const r = await run(inputs as Record<string, string>);
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([message]);
    expect(r.log).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.outputs).toEqual({}); // nothing ran
  });
});

describe('spec file', () => {
  const spec = (text: string) => {
    const ws = mkdtempSync(join(tmpdir(), 'kit-ws-'));
    mkdirSync(join(ws, '.github'));
    writeFileSync(join(ws, '.github/ralph-deploy.yml'), text);
    return ws;
  };

  it('resolves input > environment section > defaults section > declared default', async () => {
    const ws = spec(
      [
        'version: 1',
        'defaults:',
        '  migrate-db:',
        '    lock-timeout: 10s',
        '    lock-retries: 4',
        'environments:',
        '  production:',
        '    migrate-db:',
        '      lock-retries: 6',
        '  staging: {}',
        '',
      ].join('\n'),
    );
    const prod = await run({ environment: 'production' }, { cwd: ws });
    expect(prod.outputs).toMatchObject({ 'lock-timeout-ms': '10000', 'lock-retries': '6', environment: 'production' });
    const explicit = await run({ environment: 'production', 'lock-retries': '9' }, { cwd: ws });
    expect(explicit.outputs['lock-retries']).toBe('9');
    const staging = await run({ environment: 'staging' }, { cwd: ws });
    expect(staging.outputs).toMatchObject({ 'lock-retries': '4', 'lock-timeout-ms': '10000' });
  });

  it('reports a bad spec value at file:line:column', async () => {
    const ws = spec(
      ['version: 1', 'environments:', '  production:', '    migrate-db:', '      lock-timeout: forever', ''].join('\n'),
    );
    const r = await run({ environment: 'production' }, { cwd: ws });
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toBe(
      `.github/ralph-deploy.yml:5:21: migrate-db.lock-timeout: "forever" is not a duration (examples: 500ms, 5s, 10m, 1h)`,
    );
    expect(r.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', file: '.github/ralph-deploy.yml', line: 5, col: 21 }),
    );
  });

  it('reports an unknown setting with a suggestion', async () => {
    const ws = spec(
      ['version: 1', 'environments:', '  production:', '    migrate-db:', '      lock-timout: 5s', ''].join('\n'),
    );
    const r = await run({ environment: 'production' }, { cwd: ws });
    expect(r.errors.at(-1)).toBe(
      ".github/ralph-deploy.yml:5:7: environments.production.migrate-db.lock-timout: unknown setting 'lock-timout' (did you mean 'lock-timeout'?)",
    );
  });

  it('refuses an inline secret and takes one from an environment variable', async () => {
    const inline = spec(
      ['version: 1', 'environments:', '  production:', '    migrate-db:', `      database-url: ${dbUrl}`, ''].join(
        '\n',
      ),
    );
    const bad = await run({ environment: 'production' }, { cwd: inline });
    expect(bad.exitCode).toBe(1);
    expect(bad.errors.at(-1)).toMatch(
      /^\.github\/ralph-deploy\.yml:5:\d+: environments\.production\.migrate-db\.database-url: .*inline secret/,
    );
    expect(leaksOf(bad, password)).toEqual([]);

    const byEnv = spec(
      [
        'version: 1',
        'environments:',
        '  production:',
        '    migrate-db:',
        '      database-url: { env: APP_DB_URL }',
        '',
      ].join('\n'),
    );
    const ok = await run({ environment: 'production' }, { cwd: byEnv, env: { APP_DB_URL: dbUrl } });
    expect(ok.exitCode).toBe(0);
    expect(ok.masked).toContain(password);
    expect(leaksOf(ok, password)).toEqual([]);
    const missing = await run({ environment: 'production' }, { cwd: byEnv });
    expect(missing.errors.at(-1)).toMatch(
      /^\.github\/ralph-deploy\.yml:5:\d+: migrate-db\.database-url: environment variable APP_DB_URL is not set$/,
    );
  });

  it('reports malformed YAML and an unknown environment', async () => {
    const broken = spec('version: 1\nenvironments:\n  production: [\n');
    const r = await run({ environment: 'production' }, { cwd: broken });
    expect(r.errors.at(-1)).toMatch(/^\.github\/ralph-deploy\.yml:\d+:\d+: invalid YAML: /);
    const ws = spec('version: 1\nenvironments:\n  production: {}\n');
    const r2 = await run({ environment: 'prod' }, { cwd: ws });
    expect(r2.errors.at(-1)).toBe(
      ".github/ralph-deploy.yml:2:1: environment 'prod' is not defined (defined: production)",
    );
  });

  it('fails when an explicitly named spec file is missing', async () => {
    const r = await run({ config: 'deploy/spec.yml' });
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toBe('deploy/spec.yml: spec file not found');
  });
});

describe('failures, summary and reports', () => {
  it('writes the summary with tables and checklist marks, and a report file', async () => {
    const r = await run({ 'lock-retries': '2' });
    expect(r.summary).toContain('## Kit fixture');
    expect(r.summary).toContain('| lock-retries | 2 |');
    expect(r.summary).toContain('| ✅ pass | first | ok |');
    expect(r.summary).toContain('| ⚠️ warn | second |  |');
    expect(r.summary).toContain('| ✋ manual | third |  |');
    expect(JSON.parse(readFileSync(r.outputs.report as string, 'utf8'))).toEqual({ 'lock-retries': 2 });
  });

  it('turns an expected failure into one line without a stack, keeping the summary and outputs', async () => {
    const r = await run({ mode: 'fail' });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual(['could not reach nothing']);
    expect(r.log).not.toMatch(/\n\s+at /);
    expect(r.outputs['lock-retries']).toBe('3');
    expect(r.summary).toContain('**Failed:** could not reach nothing');
  });

  it('annotates file:line for a source error', async () => {
    const r = await run({ mode: 'annotate' });
    expect(r.exitCode).toBe(1);
    expect(r.annotations).toContainEqual({
      level: 'error',
      file: 'db/V1__x.sql',
      line: 3,
      col: 5,
      message: 'CREATE INDEX without CONCURRENTLY',
    });
    expect(r.errors.at(-1)).toBe('db/V1__x.sql:3:5: CREATE INDEX without CONCURRENTLY');
  });

  it('shows an unexpected error in one line and its stack only at debug level', async () => {
    const r = await run({ mode: 'crash' });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual(['unexpected thing with none']);
    const stackLines = r.log.split('\n').filter((l) => /^\s+at /.test(l) || l.includes('%0A    at '));
    expect(r.log).toMatch(/::debug::TypeError: unexpected thing with none%0A\s+at /);
    expect(stackLines.every((l) => l.startsWith('::debug::'))).toBe(true);
  });

  it('stops at the timeout, lets main clean up, and fails', async () => {
    const r = await run({ mode: 'hang', timeout: '1s' });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual(['migrate-db timed out after 1s']);
    expect(r.outputs['cleaned-up']).toBe('true');
    expect(r.log).toContain('cleaned up after abort');
  });

  it('handles the runner cancelling the job (SIGTERM)', async () => {
    const r = await run(
      { mode: 'hang' },
      { signal: { name: 'SIGTERM', when: (out) => out.includes('connecting to') } },
    );
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual(['migrate-db was cancelled (SIGTERM)']);
    expect(r.outputs['cleaned-up']).toBe('true');
  });
});

describe('masking', () => {
  it('keeps secrets out of the log, summary, outputs, annotations, errors and report', async () => {
    for (const mode of ['ok', 'fail', 'crash', 'leak']) {
      const r = await run({ 'database-url': dbUrl, 'api-token': token, mode });
      for (const secret of [password, encodeURIComponent(password), token]) {
        expect({ mode, secret, leaks: leaksOf(r, secret) }).toEqual({ mode, secret, leaks: [] });
      }
      // Registered before anything else was printed.
      const firstMask = r.stdout.indexOf('::add-mask::');
      expect(firstMask).toBeGreaterThanOrEqual(0);
      expect(r.stdout.slice(0, firstMask).trim()).toBe('');
    }
  });

  it('refuses to set an output that would carry a secret', async () => {
    const r = await run({ 'api-token': token, mode: 'leak' });
    expect(r.outputs.leaked).toBeUndefined();
    expect(r.annotations).toContainEqual(
      expect.objectContaining({ level: 'warning', message: "Output 'leaked' was not set: it would contain a secret." }),
    );
  });

  it('never echoes an invalid secret input', async () => {
    const r = await run({ 'database-url': `  ${dbUrl}\n`, 'lock-retries': 'x' });
    expect(leaksOf(r, password)).toEqual([]);
  });
});
