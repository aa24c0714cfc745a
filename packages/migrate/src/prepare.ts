import type { Comment } from './sql/lexer.js';
import { classifyFile, type TransactionMode } from './sql/classifier.js';
import { splitStatements, SplitError, type Statement } from './sql/splitter.js';
import { placeholdersUsed, substitute, UnknownPlaceholderError, type Placeholders } from './placeholders.js';
import { sha256, type MigrationFile } from './files.js';

export interface PreparedStatement extends Statement {
  /** The text to send, placeholders replaced. */
  sql: string;
}

export interface FileProblem {
  /** The lint rule id that reports it (see lint/rules.ts). */
  rule:
    | 'sql-syntax'
    | 'unknown-placeholder'
    | 'transaction-control'
    | 'mixed-transaction'
    | 'unsupported-statement'
    | 'empty-file';
  line: number;
  column?: number;
  message: string;
}

export interface Directives {
  noTransaction: boolean;
  noPlaceholders: boolean;
  /** Lint rules switched off for the whole file (`-- ralph:lint-ignore-file rule, rule`). */
  lintIgnoreFile: Set<string>;
}

export interface PreparedMigration extends MigrationFile {
  statements: PreparedStatement[];
  comments: Comment[];
  directives: Directives;
  mode: TransactionMode;
  /** Why the file cannot run as written; validation fails on any. */
  problems: FileProblem[];
  /** The checksum the history compares: the file's, plus the values of plain placeholders a repeatable file uses. */
  effectiveChecksum: string;
}

const DIRECTIVE = /^--\s*ralph:([a-z-]+)\s*(.*)$/i;

/** Splits, classifies and resolves one migration file. Never throws for a problem in the file: it lists it. */
export function prepareMigration(file: MigrationFile, placeholders: Placeholders): PreparedMigration {
  const problems: FileProblem[] = [];
  let statements: Statement[] = [];
  let comments: Comment[] = [];
  try {
    const split = splitStatements(file.text);
    statements = split.statements;
    comments = split.comments;
  } catch (e: unknown) {
    if (!(e instanceof SplitError)) throw e;
    problems.push({ rule: 'sql-syntax', line: e.line, column: e.column, message: e.message });
  }
  const directives = readDirectives(comments, statements[0]?.start ?? file.text.length);

  const prepared: PreparedStatement[] = statements.map((s) => {
    if (directives.noPlaceholders) return { ...s, sql: s.text };
    try {
      return {
        ...s,
        sql: substitute(s.text, placeholders, { 'ralph:filename': file.script, 'ralph:version': file.version ?? '' }),
      };
    } catch (e: unknown) {
      if (!(e instanceof UnknownPlaceholderError)) throw e;
      const before = s.text.slice(0, e.offset);
      const lineOffset = before.split('\n').length - 1;
      problems.push({ rule: 'unknown-placeholder', line: s.line + lineOffset, message: e.message });
      return { ...s, sql: s.text };
    }
  });

  const suggested =
    file.kind === 'versioned'
      ? `V${file.version}.1__${file.script
          .split('/')
          .pop()
          ?.replace(/^V[^_]+__/, '')
          .replace(/\.sql$/i, '')}_concurrently.sql`
      : undefined;
  const cls = classifyFile(statements, {
    noTransactionHeader: directives.noTransaction,
    ...(suggested ? { suggestedSplitName: suggested } : {}),
  });
  for (const p of cls.problems)
    problems.push({ rule: p.rule, line: p.statement.line, column: p.statement.column, message: p.message });
  if (statements.length === 0 && problems.length === 0)
    problems.push({ rule: 'empty-file', line: 1, message: 'the file has no SQL statements' });

  return {
    ...file,
    statements: prepared,
    comments,
    directives,
    mode: cls.mode,
    problems,
    effectiveChecksum: effectiveChecksum(file, placeholders, directives.noPlaceholders),
  };
}

function readDirectives(comments: Comment[], firstStatementStart: number): Directives {
  const d: Directives = { noTransaction: false, noPlaceholders: false, lintIgnoreFile: new Set() };
  for (const c of comments) {
    if (c.start > firstStatementStart) break;
    const m = DIRECTIVE.exec(c.text.trim());
    if (!m) continue;
    const name = (m[1] as string).toLowerCase();
    if (name === 'no-transaction') d.noTransaction = true;
    else if (name === 'no-placeholders') d.noPlaceholders = true;
    else if (name === 'lint-ignore-file') for (const r of ruleList(m[2] as string)) d.lintIgnoreFile.add(r);
  }
  return d;
}

/** Rule ids listed after a lint-ignore directive ("a, b -- reason" or "a b"). */
export function ruleList(text: string): string[] {
  return (text.split(/\s--\s|:/)[0] ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => /^[a-z0-9-]+$/.test(s));
}

/**
 * Versioned files are compared by their bytes, so one file has one checksum in every environment.
 * A repeatable file also re-applies when a plain placeholder value it uses changes (a view built
 * with ${retention_days}); secret values stay out of the stored checksum.
 */
function effectiveChecksum(file: MigrationFile, placeholders: Placeholders, noPlaceholders: boolean): string {
  if (file.kind !== 'repeatable' || noPlaceholders) return file.checksum;
  const used = placeholdersUsed(file.text)
    .filter((n) => placeholders[n] && !placeholders[n].secret)
    .sort();
  if (used.length === 0) return file.checksum;
  return sha256(`${file.checksum}\n${used.map((n) => `${n}=${placeholders[n]?.value}`).join('\n')}`);
}
