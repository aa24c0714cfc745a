import type { InputDecls } from '../inputs.js';
import { backupInputs } from './backup.js';
import { deployRolloutInputs } from './deploy-rollout.js';
import { failoverInputs } from './failover.js';
import { migrateDbInputs } from './migrate-db.js';
import { preflightCheckInputs } from './preflight-check.js';
import { provisionInputs } from './provision.js';
import { smokeTestInputs } from './smoke-test.js';

export {
  backupInputs,
  deployRolloutInputs,
  failoverInputs,
  migrateDbInputs,
  preflightCheckInputs,
  provisionInputs,
  smokeTestInputs,
};

/** Every action's input declarations, keyed by action (= spec section) name. */
export const actionInputs: Record<string, InputDecls> = {
  'preflight-check': preflightCheckInputs,
  provision: provisionInputs,
  'migrate-db': migrateDbInputs,
  'deploy-rollout': deployRolloutInputs,
  'smoke-test': smokeTestInputs,
  backup: backupInputs,
  failover: failoverInputs,
};
