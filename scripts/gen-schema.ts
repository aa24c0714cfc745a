// Writes schema/ralph-deploy.schema.json from the input declarations (pnpm schema).
import { writeFileSync } from 'node:fs';
import { specJsonSchemaText } from '@ralph-deploy/config';

const file = new URL('../schema/ralph-deploy.schema.json', import.meta.url);
writeFileSync(file, specJsonSchemaText());
console.log(`wrote ${file.pathname}`);
