// For GitHub Enterprise Server (no `$/` self-repository references yet): writes copies of the
// reusable workflows whose `uses: $/actions/<name>` and `uses: $/.github/workflows/<file>` point at
// `<repo>/actions/<name>@<ref>` instead. The release script runs it for every tag and publishes the
// result under ghes/ in that tag, so the actions and workflows of one release stay in step.
// Usage: node scripts/pin-actions.mjs --repo owner/name --ref v1.2.3 [--out ghes/.github/workflows]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './actions.mjs';

export function pinWorkflow(text, repo, ref) {
  return text.replace(/^(\s*(?:-\s+)?uses:\s*)\$\/([^\s#]+)/gm, (_, prefix, path) => `${prefix}${repo}/${path}@${ref}`);
}

function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const repo = arg('--repo');
  const ref = arg('--ref');
  if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new Error("--repo must be 'owner/name'");
  if (!ref || /\s/.test(ref)) throw new Error('--ref must be a tag or commit SHA');
  const out = arg('--out') ?? join(root, 'ghes', '.github', 'workflows');
  mkdirSync(out, { recursive: true });
  for (const name of ['deploy.yml', 'backup.yml', 'failover.yml']) {
    const text = readFileSync(join(root, '.github', 'workflows', name), 'utf8');
    writeFileSync(join(out, name), pinWorkflow(text, repo, ref));
    console.log(`${join(out, name)}: actions pinned to ${repo}@${ref}`);
  }
  return readdirSync(out).length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`pin-actions: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
