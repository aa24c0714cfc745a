import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateCondition, interpolate, runWorkflow, validateWorkflow } from '../src/index.js';

const ws = () => mkdtempSync(join(tmpdir(), 'sim-'));
const workflow = (text: string) => {
  const dir = ws();
  const f = join(dir, 'wf.yml');
  writeFileSync(f, text);
  return { f, dir };
};
const never = { success: () => false, failure: () => true, cancelled: () => false };
const ok = { success: () => true, failure: () => false, cancelled: () => false };

describe('expressions', () => {
  it('adds the implicit success() to conditions without a status function', () => {
    expect(evaluateCondition("inputs.x == 'a'", { inputs: { x: 'a' } }, never)).toBe(false);
    expect(evaluateCondition("${{ always() && inputs.x == 'a' }}", { inputs: { x: 'a' } }, never)).toBe(true);
    expect(evaluateCondition('failure()', {}, never)).toBe(true);
    expect(evaluateCondition(undefined, {}, ok)).toBe(true);
  });
  it('interpolates templates, keeping the type of a whole expression', () => {
    expect(
      interpolate(
        { a: '${{ inputs.n }}', b: 'x-${{ inputs.n }}', c: "${{ format('{0}!', inputs.s) }}" },
        { inputs: { n: 3, s: 'hi' } },
      ),
    ).toEqual({
      a: 3,
      b: 'x-3',
      c: 'hi!',
    });
  });
});

describe('runWorkflow', () => {
  it('runs jobs in needs order, wires outputs and skips on failure unless always()', async () => {
    const { f, dir } = workflow(`on:
  workflow_dispatch:
    inputs:
      fail: { type: boolean, default: false }
jobs:
  first:
    runs-on: ubuntu-latest
    outputs:
      value: \${{ steps.s.outputs.value }}
    steps:
      - id: s
        run: echo "value=42" >> "$GITHUB_OUTPUT"
  second:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - env:
          V: \${{ needs.first.outputs.value }}
          FAIL: \${{ inputs.fail }}
        run: test "$V" = 42 && test "$FAIL" = false
  third:
    needs: second
    runs-on: ubuntu-latest
    steps:
      - run: echo third
  cleanup:
    needs: [second, third]
    if: \${{ always() && needs.second.result == 'failure' }}
    runs-on: ubuntu-latest
    steps:
      - run: echo cleaning
`);
    const green = await runWorkflow(f, { workspace: dir, event: { name: 'workflow_dispatch', inputs: {} } });
    expect(green.order).toEqual(['first', 'second', 'third', 'cleanup']);
    expect(Object.fromEntries(Object.entries(green.jobs).map(([k, v]) => [k, v.result]))).toEqual({
      first: 'success',
      second: 'success',
      third: 'success',
      cleanup: 'skipped',
    });
    const red = await runWorkflow(f, {
      workspace: dir,
      event: { name: 'workflow_dispatch', inputs: { fail: 'true' } },
    });
    expect(red.conclusion).toBe('failure');
    expect(Object.fromEntries(Object.entries(red.jobs).map(([k, v]) => [k, v.result]))).toEqual({
      first: 'success',
      second: 'failure',
      third: 'skipped',
      cleanup: 'success',
    });
  });

  it('refuses a third-party action without a declared stand-in, and uses one when declared', async () => {
    const { f, dir } = workflow(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
`);
    await expect(runWorkflow(f, { workspace: dir, event: { name: 'push' } })).rejects.toThrow(
      'no stand-in declared for actions/checkout@v4',
    );
    const r = await runWorkflow(f, {
      workspace: dir,
      event: { name: 'push' },
      standIns: { 'actions/checkout': () => ({}) },
    });
    expect(r.conclusion).toBe('success');
  });
});

describe('validateWorkflow', () => {
  it('reports what GitHub would reject', async () => {
    const { f } = workflow(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n        uses: y\n',
    );
    expect((await validateWorkflow(f)).join('\n')).toMatch(/wf\.yml/);
    const good = workflow(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: $/actions/backup\n',
    );
    expect(await validateWorkflow(good.f)).toEqual([]);
  });
});
