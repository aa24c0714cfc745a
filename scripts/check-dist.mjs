// Fails when dist/ differs from what `pnpm build` makes from the current sources.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { root } from './actions.mjs';

const fresh = mkdtempSync(join(tmpdir(), 'ralph-dist-'));
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', fresh], {
  stdio: ['ignore', 'ignore', 'inherit'],
});

const list = (dir) => {
  if (!existsSync(dir)) return [];
  const out = [];
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
};
const committed = join(root, 'dist');
const a = list(committed);
const b = list(fresh);
const problems = [];
for (const f of new Set([...a, ...b])) {
  if (!a.includes(f)) problems.push(`dist/${f} is missing`);
  else if (!b.includes(f)) problems.push(`dist/${f} is not produced by the build any more`);
  else if (!readFileSync(join(committed, f)).equals(readFileSync(join(fresh, f)))) problems.push(`dist/${f} is stale`);
}
rmSync(fresh, { recursive: true, force: true });
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error('dist/ does not match the sources: run `pnpm build` and commit dist/.');
  process.exit(1);
}
console.log(`dist/ is up to date (${a.length} files)`);
