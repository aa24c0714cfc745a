import { columnRules } from './rules/columns.js';
import { constraintRules } from './rules/constraints.js';
import { destructiveRules } from './rules/destructive.js';
import { indexRules } from './rules/indexes.js';
import { partitionRules } from './rules/partitioning.js';
import { securityRules } from './rules/security.js';
import { transactionRules } from './rules/transactions.js';
import type { LintRule } from './types.js';

/** Every lint rule, by id. */
export const lintRules: LintRule[] = [
  ...indexRules,
  ...transactionRules,
  ...columnRules,
  ...constraintRules,
  ...destructiveRules,
  ...partitionRules,
  ...securityRules,
];

export const ruleById = new Map(lintRules.map((r) => [r.id, r]));
