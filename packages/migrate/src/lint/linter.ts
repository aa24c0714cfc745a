import type { PgClient } from '@ralph-deploy/postgres';
import { LineIndex } from '../sql/lexer.js';
import { isWord } from '../sql/tokens.js';
import { ruleList, type PreparedMigration } from '../prepare.js';
import { readCreateTable } from './analyze.js';
import { defaultFunctionNames } from './rules/columns.js';
import { lintRules, ruleById } from './rules.js';
import { SchemaTracker } from './schema-tracker.js';
import type { CatalogFacts, Finding, Severity } from './types.js';

export interface LintOptions {
  /** Scripts to report findings for (e.g. only the pending ones); every file when absent. All files still feed the context. */
  targets?: Set<string>;
  catalog?: CatalogFacts;
}

const IGNORE = /ralph:lint-ignore\s+([^\n]*)/i;

/**
 * Lints the migration set in apply order. Every file builds the picture of the schema (which tables
 * exist, which are partitioned); findings are reported for the target files only, so a migration
 * applied long ago does not block today's deploy.
 */
export function lintMigrations(files: PreparedMigration[], options: LintOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const schema = new SchemaTracker();
  for (const file of files) {
    const report = options.targets === undefined || options.targets.has(file.script);
    const lines = new LineIndex(file.text);
    if (report) {
      for (const p of file.problems) {
        const rule = ruleById.get(p.rule);
        findings.push({
          rule: p.rule,
          severity: rule?.severity ?? 'error',
          file: file.displayPath,
          line: p.line,
          ...(p.column !== undefined ? { column: p.column } : {}),
          message: p.message,
          alternative: rule?.alternative ?? '',
        });
      }
    }
    const createdInFile = new Set<string>();
    let inExplicitTransaction = false;
    let previousEnd = 0;
    for (const statement of file.statements) {
      const ignored = new Set(file.directives.lintIgnoreFile);
      for (const c of file.comments) {
        if (c.start < previousEnd || c.start > statement.end) continue;
        const m = IGNORE.exec(c.text);
        if (m && !/lint-ignore-file/i.test(c.text)) for (const r of ruleList(m[1] as string)) ignored.add(r);
      }
      previousEnd = statement.end;
      if (report) {
        const ctx = {
          file,
          statement,
          createdInFile,
          schema,
          inExplicitTransaction,
          ...(options.catalog ? { catalog: options.catalog } : {}),
        };
        for (const rule of lintRules) {
          if (!rule.check || ignored.has(rule.id)) continue;
          for (const hit of rule.check(ctx)) {
            const pos = lines.position(hit.token?.start ?? statement.start);
            findings.push({
              rule: rule.id,
              severity: rule.severity,
              file: file.displayPath,
              line: pos.line,
              column: pos.column,
              message: `${rule.reason}${hit.detail ? ` (${hit.detail})` : ''}`,
              alternative: rule.alternative,
            });
          }
        }
      }
      // Keep the schema picture up to date after the statement.
      const t = statement.tokens;
      const ct = readCreateTable(t);
      if (ct) {
        createdInFile.add(ct.table.name);
        schema.create(ct.table, ct.partitioned, `${file.displayPath}:${statement.line}`);
      } else if (isWord(t[0], 'DROP') && isWord(t[1], 'TABLE')) {
        const names = t.slice(2).filter((x) => x.type === 'word' || x.type === 'ident');
        const name = names.find((x) => !isWord(x, 'IF', 'EXISTS', 'CASCADE', 'RESTRICT'));
        if (name) {
          const n = name.type === 'word' ? name.value.toLowerCase() : name.value;
          schema.drop({ name: n, relname: n, next: 0 });
        }
      } else if (isWord(t[0], 'BEGIN', 'START')) inExplicitTransaction = true;
      else if (isWord(t[0], 'COMMIT', 'END', 'ROLLBACK', 'ABORT')) inExplicitTransaction = false;
    }
  }
  return findings;
}

/** Findings that fail the run under `fail-on`. */
export function failingFindings(findings: Finding[], failOn: 'error' | 'warning' | 'never'): Finding[] {
  if (failOn === 'never') return [];
  const levels: Severity[] = failOn === 'warning' ? ['error', 'warning'] : ['error'];
  return findings.filter((f) => levels.includes(f.severity));
}

/** What lint would like the live catalog to answer: PARTITION OF parents and functions in ADD COLUMN defaults. */
export function catalogQuestions(files: PreparedMigration[]): { relations: string[]; functions: string[] } {
  const relations = new Set<string>();
  const functions = new Set<string>();
  for (const f of files) {
    for (const s of f.statements) {
      const ct = readCreateTable(s.tokens);
      if (ct?.partitionOf && !ct.partitionOf.parent.name.includes('${')) relations.add(ct.partitionOf.parent.name);
      for (const fn of defaultFunctionNames({ statement: s })) functions.add(fn);
    }
  }
  return { relations: [...relations], functions: [...functions] };
}

/** Asks the database what the offline rules cannot know. */
export async function readCatalogFacts(
  client: PgClient,
  questions: { relations: string[]; functions: string[] },
): Promise<CatalogFacts> {
  const relkinds = new Map<string, string>();
  for (const name of questions.relations) {
    // to_regclass returns NULL instead of failing for a missing relation; the name is a bind parameter.
    const r = await client.query<{ relkind: string | null }>(
      'SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)) AS relkind',
      [quoteQualified(name)],
    );
    const kind = r.rows[0]?.relkind;
    if (kind) relkinds.set(name, kind);
  }
  const volatileFunctions = new Set<string>();
  if (questions.functions.length > 0) {
    const r = await client.query<{ proname: string }>(
      "SELECT DISTINCT proname FROM pg_proc WHERE proname = ANY($1::text[]) AND provolatile = 'v'",
      [questions.functions],
    );
    for (const row of r.rows) volatileFunctions.add(row.proname);
  }
  return { relkinds, volatileFunctions };
}

/** The normalised name back as SQL text for to_regclass: every part quoted. */
function quoteQualified(name: string): string {
  return name
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');
}
