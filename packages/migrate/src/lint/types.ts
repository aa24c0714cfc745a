import type { Token } from '../sql/lexer.js';
import type { PreparedMigration, PreparedStatement } from '../prepare.js';
import type { SchemaTracker } from './schema-tracker.js';

export type Severity = 'error' | 'warning';

/** What the live database says, when lint runs connected (undefined entries: not known). */
export interface CatalogFacts {
  /** pg_class.relkind by the name as written ('r' table, 'p' partitioned table, ...). */
  relkinds: Map<string, string>;
  /** Functions (lower-cased names) that pg_proc says are VOLATILE. */
  volatileFunctions: Set<string>;
}

export interface RuleContext {
  file: PreparedMigration;
  statement: PreparedStatement;
  /** Tables created earlier in this same file: brand-new and empty, so locking them is harmless. */
  createdInFile: Set<string>;
  /** Tables as the migration set defines them up to this statement. */
  schema: SchemaTracker;
  /** An explicit BEGIN earlier in the file is still open. */
  inExplicitTransaction: boolean;
  catalog?: CatalogFacts;
}

export interface RuleHit {
  /** Token to point at (its line and column); the statement start when absent. */
  token?: Token;
  /** Specific detail appended to the rule's reason, e.g. the table name. */
  detail?: string;
}

export interface LintRule {
  id: string;
  severity: Severity;
  /** One line: why this is dangerous on a live database. */
  reason: string;
  /** One line: what to do instead. */
  alternative: string;
  /** Undefined for rules reported while preparing a file (syntax, transaction control, ...). */
  check?: (ctx: RuleContext) => RuleHit[];
}

export interface Finding {
  rule: string;
  severity: Severity;
  file: string;
  line: number;
  column?: number;
  message: string;
  alternative: string;
}
