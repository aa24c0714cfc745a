import type { QualifiedName } from '../sql/tokens.js';

export interface TrackedTable {
  name: string;
  partitioned: boolean;
  /** Where it was created: file:line. */
  createdAt: string;
}

/**
 * The tables the migration set creates, in apply order, so a rule can ask "is the parent of this
 * PARTITION OF partitioned?" without a database. Names without a schema match a tracked table
 * with the same relation name when only one has it (search_path is not known offline).
 */
export class SchemaTracker {
  private readonly tables = new Map<string, TrackedTable>();

  create(name: QualifiedName, partitioned: boolean, createdAt: string): void {
    this.tables.set(name.name, { name: name.name, partitioned, createdAt });
  }

  drop(name: QualifiedName): void {
    const found = this.find(name);
    if (found) this.tables.delete(found.name);
  }

  find(name: QualifiedName): TrackedTable | undefined {
    const exact = this.tables.get(name.name);
    if (exact) return exact;
    const schemaless = name.name === name.relname;
    const candidates = [...this.tables.values()].filter((t) =>
      schemaless ? t.name.split('.').pop() === name.relname : t.name === name.relname && !t.name.includes('.'),
    );
    return candidates.length === 1 ? candidates[0] : undefined;
  }
}
