import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SourceError } from '@ralph-deploy/common';
import { loadYamlDocuments } from '../yaml-source.js';
import { ChecklistError, parseChecklist, type Checklist } from './model.js';

/** The guide's checklists, shipped with the package (the action bundle carries the file next to it). */
export const GUIDE_CHECKLIST_URL = new URL('../../guide-checklist.yml', import.meta.url);

function fromText(text: string, file: string): Checklist {
  const docs = loadYamlDocuments(text, file, { yaml11: false });
  const doc = docs[0];
  if (!doc) throw new SourceError({ file, line: 1 }, 'the checklist file is empty');
  try {
    return { ...parseChecklist(doc.value, file), locate: (path) => ({ file, ...doc.position(path) }) };
  } catch (e: unknown) {
    if (e instanceof ChecklistError) throw new SourceError({ file, ...doc.position(e.path) }, e.message);
    throw e;
  }
}

/** Loads a checklist file (YAML); problems are reported at file:line. */
export async function loadChecklistFile(path: string, cwd: string): Promise<Checklist> {
  const abs = resolve(cwd, path);
  if (!existsSync(abs)) throw new SourceError({ file: path }, 'checklist file does not exist');
  return fromText(await readFile(abs, 'utf8'), path);
}

export function guideChecklist(): Checklist {
  return fromText(readFileSync(GUIDE_CHECKLIST_URL, 'utf8'), 'guide-checklist.yml');
}
