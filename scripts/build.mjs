// Bundles each action (or the ones named on the command line) into dist/<name>/index.js with ncc.
// Usage: pnpm build [name ...] [--out DIR]
import { execFileSync } from 'node:child_process';
import { rmSync, existsSync, renameSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { actionNames, root } from './actions.mjs';

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outRoot = outIndex >= 0 ? args.splice(outIndex, 2)[1] : join(root, 'dist');
const names = args.length > 0 ? args : actionNames();
const ncc = join(root, 'node_modules', '.bin', 'ncc');

for (const name of names) {
  const entry = join(root, 'actions', name, 'src', 'main.ts');
  if (!existsSync(entry)) {
    console.error(`build: actions/${name}/src/main.ts does not exist`);
    process.exit(1);
  }
  const out = join(outRoot, name);
  rmSync(out, { recursive: true, force: true });
  // --target es2022 keeps top-level await and class fields as written; -C avoids a cache that
  // could make the staleness check disagree with a clean build; -t (transpile only) because type
  // checking is `pnpm typecheck`'s job, and one type error elsewhere must not block every bundle;
  // -m because the AWS SDK and the Kubernetes client are mostly comments and model text (minified,
  // a bundle is about a quarter of the size and starts faster on the runner).
  execFileSync(
    ncc,
    ['build', entry, '-o', out, '--license', 'licenses.txt', '--target', 'es2022', '-C', '-q', '-t', '-m'],
    {
      stdio: 'inherit',
      cwd: root,
    },
  );
  // ncc names the ESM bundle index.js; keep only the files the runner needs.
  for (const f of readdirSync(out)) {
    if (f.endsWith('.d.ts')) rmSync(join(out, f), { recursive: true, force: true });
  }
  if (existsSync(join(out, 'index.mjs'))) renameSync(join(out, 'index.mjs'), join(out, 'index.js'));
  console.log(`built dist/${name}/index.js`);
}
