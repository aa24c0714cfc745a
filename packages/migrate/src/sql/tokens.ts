import type { Token } from './lexer.js';

/** Small helpers to read a statement's tokens by keyword. */

export function isWord(t: Token | undefined, ...words: string[]): boolean {
  return t !== undefined && t.type === 'word' && (words.length === 0 || words.includes(t.value));
}

export function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.type === 'punct' && t.value === p;
}

/** The upper-cased words at the start of a statement (non-words stop the run). */
export function leadingWords(tokens: Token[], count: number): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (out.length >= count || t.type !== 'word') break;
    out.push(t.value);
  }
  return out;
}

/** True when the tokens from `i` are exactly these words. */
export function wordsAt(tokens: Token[], i: number, ...words: string[]): boolean {
  return words.every((w, k) => isWord(tokens[i + k], w));
}

/** Index after skipping optional word sequences (e.g. IF NOT EXISTS) at `i`. */
export function skipOptional(tokens: Token[], i: number, ...sequences: string[][]): number {
  let j = i;
  let moved = true;
  while (moved) {
    moved = false;
    for (const seq of sequences) {
      if (wordsAt(tokens, j, ...seq)) {
        j += seq.length;
        moved = true;
      }
    }
  }
  return j;
}

/** Paren depth of each token (0 = top level of the statement). */
export function depths(tokens: Token[]): number[] {
  const out: number[] = [];
  let d = 0;
  for (const t of tokens) {
    if (isPunct(t, ')')) d = Math.max(0, d - 1);
    out.push(d);
    if (isPunct(t, '(')) d++;
  }
  return out;
}

/** Index of the first top-level word among `words` at or after `from`, or -1. */
export function findTopLevelWord(tokens: Token[], from: number, ...words: string[]): number {
  const d = depths(tokens);
  for (let i = from; i < tokens.length; i++) if (d[i] === 0 && isWord(tokens[i], ...words)) return i;
  return -1;
}

/** Splits tokens [from, to) at top-level commas. */
export function splitTopLevel(tokens: Token[], from: number, to = tokens.length): Token[][] {
  const parts: Token[][] = [];
  let cur: Token[] = [];
  let d = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i] as Token;
    if (isPunct(t, '(')) d++;
    if (isPunct(t, ')')) d--;
    if (d === 0 && isPunct(t, ',')) {
      parts.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (cur.length > 0) parts.push(cur);
  return parts;
}

export interface QualifiedName {
  /** Normalised: unquoted parts lower-cased, as PostgreSQL folds them; joined with '.'. */
  name: string;
  /** The last part (the object's own name). */
  relname: string;
  /** Index of the token after the name. */
  next: number;
}

/** Reads `a`, `a.b`, `"A".b`, `${schema}.t` at `i`. */
export function readName(tokens: Token[], i: number): QualifiedName | undefined {
  const parts: string[] = [];
  let j = i;
  for (;;) {
    const t = tokens[j];
    if (!t) break;
    if (t.type === 'word') parts.push(t.value.toLowerCase());
    else if (t.type === 'ident') parts.push(t.value);
    else if (t.type === 'placeholder') parts.push(`\${${t.value}}`);
    else break;
    j++;
    if (isPunct(tokens[j], '.')) j++;
    else break;
  }
  if (parts.length === 0) return undefined;
  return { name: parts.join('.'), relname: parts[parts.length - 1] as string, next: j };
}
