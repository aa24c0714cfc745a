import type { Token } from '../sql/lexer.js';
import {
  findTopLevelWord,
  isPunct,
  isWord,
  readName,
  skipOptional,
  splitTopLevel,
  wordsAt,
  type QualifiedName,
} from '../sql/tokens.js';

/** Structural readings of the DDL statements the lint rules look at. */

export interface CreateTable {
  table: QualifiedName;
  /** `PARTITION BY` at the top level: the new table is partitioned. */
  partitioned: boolean;
  /** `PARTITION OF parent`. */
  partitionOf?: { parent: QualifiedName; token: Token };
}

export function readCreateTable(tokens: Token[]): CreateTable | undefined {
  if (!isWord(tokens[0], 'CREATE')) return undefined;
  let i = skipOptional(tokens, 1, ['OR', 'REPLACE'], ['GLOBAL'], ['LOCAL'], ['TEMPORARY'], ['TEMP'], ['UNLOGGED']);
  if (!isWord(tokens[i], 'TABLE')) return undefined;
  i = skipOptional(tokens, i + 1, ['IF', 'NOT', 'EXISTS']);
  const table = readName(tokens, i);
  if (!table) return undefined;
  const result: CreateTable = { table, partitioned: false };
  if (wordsAt(tokens, table.next, 'PARTITION', 'OF')) {
    const parent = readName(tokens, table.next + 2);
    if (parent) result.partitionOf = { parent, token: tokens[table.next] as Token };
  }
  const p = findTopLevelWord(tokens, table.next + 1, 'PARTITION');
  if (p >= 0 && isWord(tokens[p + 1], 'BY')) result.partitioned = true;
  return result;
}

export interface CreateIndex {
  concurrently: boolean;
  table?: QualifiedName;
  name?: QualifiedName;
}

export function readCreateIndex(tokens: Token[]): CreateIndex | undefined {
  if (!isWord(tokens[0], 'CREATE')) return undefined;
  let i = isWord(tokens[1], 'UNIQUE') ? 2 : 1;
  if (!isWord(tokens[i], 'INDEX')) return undefined;
  i++;
  const concurrently = isWord(tokens[i], 'CONCURRENTLY');
  if (concurrently) i++;
  i = skipOptional(tokens, i, ['IF', 'NOT', 'EXISTS']);
  const name = isWord(tokens[i], 'ON') ? undefined : readName(tokens, i);
  const on = findTopLevelWord(tokens, i, 'ON');
  const table = on >= 0 ? readName(tokens, skipOptional(tokens, on + 1, ['ONLY'])) : undefined;
  return { concurrently, ...(table ? { table } : {}), ...(name ? { name } : {}) };
}

export type AlterActionKind =
  'add-column' | 'drop-column' | 'alter-type' | 'set-not-null' | 'add-constraint' | 'rename' | 'other';

export interface AlterAction {
  kind: AlterActionKind;
  tokens: Token[];
  column?: string;
  /** For add-constraint: CHECK, FOREIGN KEY, UNIQUE, PRIMARY KEY, EXCLUDE. */
  constraintType?: string;
}

export interface AlterTable {
  table: QualifiedName;
  actions: AlterAction[];
}

const CONSTRAINT_STARTS = ['CONSTRAINT', 'CHECK', 'FOREIGN', 'UNIQUE', 'PRIMARY', 'EXCLUDE'];

/** ALTER TABLE [IF EXISTS] [ONLY] name [*] action [, ...] */
export function readAlterTable(tokens: Token[]): AlterTable | undefined {
  if (!isWord(tokens[0], 'ALTER') || !isWord(tokens[1], 'TABLE')) return undefined;
  const i = skipOptional(tokens, 2, ['IF', 'EXISTS'], ['ONLY']);
  const table = readName(tokens, i);
  if (!table) return undefined;
  let start = table.next;
  if (tokens[start]?.text === '*') start++;
  const actions = splitTopLevel(tokens, start).map(readAction);
  return { table, actions };
}

function readAction(t: Token[]): AlterAction {
  const first = t[0];
  if (isWord(first, 'ADD')) {
    const j = skipOptional(t, 1, ['COLUMN'], ['IF', 'NOT', 'EXISTS']);
    if (isWord(t[1], 'COLUMN') || !isWord(t[j], ...CONSTRAINT_STARTS)) {
      return { kind: 'add-column', tokens: t, ...(t[j] ? { column: nameOf(t[j]) } : {}) };
    }
    let k = 1;
    if (isWord(t[1], 'CONSTRAINT')) k = 3;
    const type = isWord(t[k], 'FOREIGN', 'PRIMARY') ? `${t[k]?.value} KEY` : (t[k]?.value ?? '');
    return { kind: 'add-constraint', tokens: t, constraintType: type };
  }
  if (isWord(first, 'DROP')) {
    if (isWord(t[1], 'CONSTRAINT')) return { kind: 'other', tokens: t };
    const j = skipOptional(t, 1, ['COLUMN'], ['IF', 'EXISTS']);
    return { kind: 'drop-column', tokens: t, ...(t[j] ? { column: nameOf(t[j]) } : {}) };
  }
  if (isWord(first, 'ALTER')) {
    const j = isWord(t[1], 'COLUMN') ? 2 : 1;
    const column = t[j] ? nameOf(t[j]) : undefined;
    const col = column ? { column } : {};
    if (wordsAt(t, j + 1, 'TYPE') || wordsAt(t, j + 1, 'SET', 'DATA', 'TYPE'))
      return { kind: 'alter-type', tokens: t, ...col };
    if (wordsAt(t, j + 1, 'SET', 'NOT', 'NULL')) return { kind: 'set-not-null', tokens: t, ...col };
    return { kind: 'other', tokens: t };
  }
  if (isWord(first, 'RENAME') && !isWord(t[1], 'CONSTRAINT')) return { kind: 'rename', tokens: t };
  return { kind: 'other', tokens: t };
}

function nameOf(t: Token): string {
  return t.type === 'word' ? t.value.toLowerCase() : t.value;
}

/** For an ADD COLUMN action: does it declare NOT NULL, a DEFAULT, or a generated/identity value? */
export function columnDefinition(action: AlterAction): {
  notNull: boolean;
  defaultTokens?: Token[];
  generated: boolean;
} {
  const t = action.tokens;
  let notNull = false;
  let generated = false;
  let defaultAt = -1;
  for (let i = 0; i < t.length; i++) {
    if (wordsAt(t, i, 'NOT', 'NULL')) notNull = true;
    if (isWord(t[i], 'PRIMARY') && isWord(t[i + 1], 'KEY')) notNull = true;
    if (isWord(t[i], 'GENERATED')) generated = true;
    if (isWord(t[i], 'DEFAULT') && defaultAt < 0) defaultAt = i;
  }
  if (defaultAt < 0) return { notNull, generated };
  const stop = ['NOT', 'NULL', 'CHECK', 'REFERENCES', 'UNIQUE', 'PRIMARY', 'CONSTRAINT', 'GENERATED', 'COLLATE'];
  const expr: Token[] = [];
  let depth = 0;
  for (let i = defaultAt + 1; i < t.length; i++) {
    const tok = t[i] as Token;
    if (depth === 0 && isWord(tok, ...stop)) break;
    if (isPunct(tok, '(')) depth++;
    if (isPunct(tok, ')')) depth--;
    expr.push(tok);
  }
  return { notNull, generated, defaultTokens: expr };
}

/** Function names called in an expression (the word before each '('), lower-cased. */
export function functionCalls(tokens: Token[]): { name: string; token: Token }[] {
  const out: { name: string; token: Token }[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i] as Token;
    if ((t.type === 'word' || t.type === 'ident') && isPunct(tokens[i + 1], '('))
      out.push({ name: nameOf(t), token: t });
  }
  return out;
}
