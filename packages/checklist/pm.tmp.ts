import { loadManifests } from './src/checks/manifests/objects.js';
import { evaluateManifests } from './src/checks/manifests/index.js';
import { parseManifestParams } from './src/checks/manifests/params.js';
const objs = await loadManifests([process.argv[2] ?? 'k8s'], process.argv[3] ?? '/work/main/examples');
for (const f of evaluateManifests(objs, parseManifestParams({})))
  if (f.level !== 'pass') console.log(f.level, f.file ? `${f.file}:${f.line}:${f.column}` : '', f.message);
console.log('objects', objs.length);
