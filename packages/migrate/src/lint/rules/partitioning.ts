import { readCreateTable } from '../analyze.js';
import type { LintRule } from '../types.js';

/** The guide's own bug: PARTITION OF a table that was created as a plain table. */
export const partitionRules: LintRule[] = [
  {
    id: 'partition-of-unpartitioned',
    severity: 'error',
    reason:
      'CREATE TABLE ... PARTITION OF fails unless the parent was created with PARTITION BY; a plain table cannot be turned into a partitioned one in place',
    alternative:
      'create the parent with PARTITION BY RANGE (key) and a primary key that includes the key, or create a new partitioned table, copy the rows over and swap names in a maintenance window',
    check: (ctx) => {
      const ct = readCreateTable(ctx.statement.tokens);
      if (!ct?.partitionOf) return [];
      const parent = ct.partitionOf.parent;
      const tracked = ctx.schema.find(parent);
      if (tracked) {
        return tracked.partitioned
          ? []
          : [
              {
                token: ct.partitionOf.token,
                detail: `${parent.name} is created without PARTITION BY at ${tracked.createdAt}`,
              },
            ];
      }
      const relkind = ctx.catalog?.relkinds.get(parent.name);
      if (relkind !== undefined && relkind !== 'p') {
        return [
          {
            token: ct.partitionOf.token,
            detail: `${parent.name} is not partitioned in the database (relkind ${relkind})`,
          },
        ];
      }
      return [];
    },
  },
];
