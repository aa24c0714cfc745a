/**
 * A PostgreSQL lexer, just precise enough to find statement boundaries and keywords: it knows
 * standard strings ('it''s'), escape strings (E'\''), Unicode and bit strings, dollar quotes
 * ($$...$$, $tag$...$tag$), quoted identifiers ("a""b"), nested block comments and line comments,
 * following the rules in the PostgreSQL manual ("Lexical Structure") and psql's scanner.
 */

export type TokenType = 'word' | 'ident' | 'string' | 'number' | 'param' | 'placeholder' | 'op' | 'punct' | 'backslash';

export interface Token {
  type: TokenType;
  /** The text as written. */
  text: string;
  /** Upper-cased text for words, the unescaped name for quoted identifiers, the body for strings. */
  value: string;
  /** Offset of the first character in the source. */
  start: number;
  end: number;
}

export interface Comment {
  text: string;
  start: number;
  end: number;
}

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'LexError';
  }
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CONT = /[A-Za-z0-9_$\u0080-\uffff]/;
const OP_CHARS = '+-*/<>=~!@#%^&|`?';

export function lex(src: string): LexResult {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const n = src.length;
  let i = 0;

  const push = (type: TokenType, start: number, end: number, value: string) => {
    tokens.push({ type, text: src.slice(start, end), value, start, end });
  };

  /** A quoted run starting at the opening quote `q`; doubled quotes escape; `backslash` enables \x escapes. */
  const quoted = (start: number, q: string, backslash: boolean): { end: number; body: string } => {
    let j = start + 1;
    let body = '';
    for (;;) {
      if (j >= n) throw new LexError(`unterminated ${q === '"' ? 'quoted identifier' : 'string'}`, start);
      const c = src[j] as string;
      if (backslash && c === '\\') {
        body += src.slice(j, j + 2);
        j += 2;
        continue;
      }
      if (c === q) {
        if (src[j + 1] === q) {
          body += q;
          j += 2;
          continue;
        }
        return { end: j + 1, body };
      }
      body += c;
      j++;
    }
  };

  while (i < n) {
    const c = src[i] as string;
    const next = src[i + 1];

    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && next === '-') {
      const eol = src.indexOf('\n', i);
      const end = eol < 0 ? n : eol;
      comments.push({ text: src.slice(i, end), start: i, end });
      i = end;
      continue;
    }
    if (c === '/' && next === '*') {
      // Block comments nest in PostgreSQL (unlike the SQL standard's flat ones in most databases).
      let depth = 1;
      let j = i + 2;
      while (depth > 0) {
        if (j >= n) throw new LexError('unterminated /* comment', i);
        if (src[j] === '/' && src[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (src[j] === '*' && src[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      comments.push({ text: src.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (c === "'") {
      const q = quoted(i, "'", false);
      push('string', i, q.end, q.body);
      i = q.end;
      continue;
    }
    if (c === '"') {
      const q = quoted(i, '"', false);
      push('ident', i, q.end, q.body);
      i = q.end;
      continue;
    }
    if (c === '$') {
      // ${name}: a migrate-db placeholder, replaced before the statement runs.
      const ph = /^\$\{([A-Za-z_][A-Za-z0-9_.:-]*)\}/.exec(src.slice(i, i + 200));
      if (ph) {
        push('placeholder', i, i + ph[0].length, ph[1] as string);
        i += ph[0].length;
        continue;
      }
      const param = /^\$\d+/.exec(src.slice(i, i + 20));
      if (param) {
        push('param', i, i + param[0].length, param[0]);
        i += param[0].length;
        continue;
      }
      // $tag$ ... $tag$ where tag is empty or an identifier without $.
      let j = i + 1;
      if (j < n && IDENT_START.test(src[j] as string)) {
        j++;
        while (j < n && /[A-Za-z0-9_\u0080-\uffff]/.test(src[j] as string)) j++;
      }
      if (src[j] === '$') {
        const delim = src.slice(i, j + 1);
        const close = src.indexOf(delim, j + 1);
        if (close < 0) throw new LexError(`unterminated dollar-quoted string ${delim}`, i);
        push('string', i, close + delim.length, src.slice(j + 1, close));
        i = close + delim.length;
        continue;
      }
      push('op', i, i + 1, '$');
      i++;
      continue;
    }
    if (IDENT_START.test(c)) {
      // Prefixed literals: E'..' (backslash escapes), U&'..' / U&".." (Unicode), B'..', X'..', N'..'.
      if ((c === 'E' || c === 'e') && next === "'") {
        const q = quoted(i + 1, "'", true);
        push('string', i, q.end, q.body);
        i = q.end;
        continue;
      }
      if ((c === 'U' || c === 'u') && next === '&' && (src[i + 2] === "'" || src[i + 2] === '"')) {
        const quote = src[i + 2] as string;
        const q = quoted(i + 2, quote, false);
        push(quote === '"' ? 'ident' : 'string', i, q.end, q.body);
        i = q.end;
        continue;
      }
      if (/[BbXxNn]/.test(c) && next === "'") {
        const q = quoted(i + 1, "'", false);
        push('string', i, q.end, q.body);
        i = q.end;
        continue;
      }
      let j = i + 1;
      while (j < n && IDENT_CONT.test(src[j] as string)) j++;
      push('word', i, j, src.slice(i, j).toUpperCase());
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      const m = /^(?:0[xob][0-9a-f_]+|[0-9_]*\.?[0-9_]*(?:e[+-]?[0-9]+)?)/i.exec(src.slice(i, i + 100));
      const len = Math.max(1, m?.[0].length ?? 1);
      push('number', i, i + len, src.slice(i, i + len));
      i += len;
      continue;
    }
    if (c === '\\') {
      // Only psql understands backslash commands (\c, \i, \set ...); they are not SQL.
      const eol = src.indexOf('\n', i);
      const end = eol < 0 ? n : eol;
      push('backslash', i, end, src.slice(i, end).trim());
      i = end;
      continue;
    }
    if (c === ':' && next === ':') {
      push('punct', i, i + 2, '::');
      i += 2;
      continue;
    }
    if ('(),;[].:'.includes(c)) {
      push('punct', i, i + 1, c);
      i++;
      continue;
    }
    if (OP_CHARS.includes(c)) {
      let j = i + 1;
      while (
        j < n &&
        OP_CHARS.includes(src[j] as string) &&
        !(src[j] === '-' && src[j + 1] === '-') &&
        !(src[j] === '/' && src[j + 1] === '*')
      )
        j++;
      push('op', i, j, src.slice(i, j));
      i = j;
      continue;
    }
    // Anything else ({, }, stray characters): keep it as an operator token so positions stay right.
    push('op', i, i + 1, c);
    i++;
  }
  return { tokens, comments };
}

/** 1-based line and column of every offset in a text. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] as number) + 1 };
  }
}
