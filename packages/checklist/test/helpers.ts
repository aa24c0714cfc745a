import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const guideDir = `${repoRoot}test/fixtures/guide`;
export const examplesDir = `${repoRoot}examples`;

/** 1-based line of the first line containing `text` (after `after` when given). */
export function lineOf(file: string, text: string, after = 0): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l, n) => n + 1 > after && l.includes(text));
  if (i < 0) throw new Error(`"${text}" not in ${file}`);
  return i + 1;
}
