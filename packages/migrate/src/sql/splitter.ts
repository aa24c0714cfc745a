import { lex, LexError, LineIndex, type Comment, type Token } from './lexer.js';

export interface Statement {
  /** The statement's source text, from its first token to (excluding) its semicolon. */
  text: string;
  /** Non-comment tokens of the statement. */
  tokens: Token[];
  start: number;
  end: number;
  /** 1-based position of the first token in the file. */
  line: number;
  column: number;
  /** 1-based line of the last token. */
  endLine: number;
  /** 0-based index among the file's statements. */
  index: number;
}

export interface SplitResult {
  statements: Statement[];
  comments: Comment[];
  lines: LineIndex;
}

export class SplitError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'SplitError';
  }
}

/**
 * Splits a SQL script into statements at top-level semicolons. Semicolons inside strings, dollar
 * quotes, quoted identifiers and comments do not count, nor do those inside a SQL-standard function
 * body (`CREATE FUNCTION ... BEGIN ATOMIC ...; ... END`), which psql tracks the same way.
 */
export function splitStatements(src: string): SplitResult {
  const lines = new LineIndex(src);
  let lexed;
  try {
    lexed = lex(src);
  } catch (e: unknown) {
    if (e instanceof LexError) {
      const p = lines.position(e.offset);
      throw new SplitError(e.message, p.line, p.column);
    }
    throw e;
  }
  const statements: Statement[] = [];
  let current: Token[] = [];
  let beginDepth = 0;

  const flush = () => {
    if (current.length === 0) return;
    const first = current[0] as Token;
    const last = current[current.length - 1] as Token;
    const p = lines.position(first.start);
    statements.push({
      text: src.slice(first.start, last.end),
      tokens: current,
      start: first.start,
      end: last.end,
      line: p.line,
      column: p.column,
      endLine: lines.position(last.end - 1).line,
      index: statements.length,
    });
    current = [];
    beginDepth = 0;
  };

  for (const t of lexed.tokens) {
    if (t.type === 'backslash') {
      const p = lines.position(t.start);
      throw new SplitError(
        `psql meta-command "${t.text.split(/\s/)[0]}" is not SQL: migrate-db runs plain SQL against the database in database-url; remove it (connect to another database with a separate database-url)`,
        p.line,
        p.column,
      );
    }
    if (t.type === 'punct' && t.value === ';' && beginDepth === 0) {
      flush();
      continue;
    }
    if (t.type === 'word' && isRoutineDefinition(current)) {
      if (t.value === 'BEGIN') beginDepth++;
      else if (t.value === 'CASE' && beginDepth > 0) beginDepth++;
      else if (t.value === 'END' && beginDepth > 0) beginDepth--;
    }
    current.push(t);
  }
  flush();
  return { statements, comments: lexed.comments, lines };
}

/** CREATE [OR REPLACE] FUNCTION|PROCEDURE: the statements whose BEGIN ... END bodies hold semicolons. */
function isRoutineDefinition(tokens: Token[]): boolean {
  const w = tokens.slice(0, 4).map((t) => (t.type === 'word' ? t.value : ''));
  if (w[0] !== 'CREATE') return false;
  const kind = w[1] === 'OR' && w[2] === 'REPLACE' ? w[3] : w[1];
  return kind === 'FUNCTION' || kind === 'PROCEDURE';
}
