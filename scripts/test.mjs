// Runs Jest (ESM mode) with the given arguments and ends with one plain line:
// "N passed, N failed, N skipped". Exit code is Jest's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './actions.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ralph-jest-'));
const report = join(dir, 'results.json');
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const env = {
  ...process.env,
  NODE_OPTIONS: [process.env.NODE_OPTIONS, '--experimental-vm-modules'].filter(Boolean).join(' '),
};
const r = spawnSync(process.execPath, [jest, '--json', `--outputFile=${report}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
  cwd: root,
});
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = j.numPendingTests + j.numTodoTests;
  console.log(`\n${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`);
  if (j.numTotalTests === 0) console.log('no test ran');
}
rmSync(dir, { recursive: true, force: true });
process.exit(r.status ?? 1);
