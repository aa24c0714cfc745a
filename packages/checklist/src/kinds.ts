import { configurationCheck } from './checks/configuration/index.js';
import { githubCheck } from './checks/github/index.js';
import { liveCheck } from './checks/live/index.js';
import { manifestsCheck } from './checks/manifests/index.js';
import { monitoringCheck } from './checks/monitoring/index.js';
import type { CheckKind } from './types.js';

/** Every check kind an item may use, by name. */
export const CHECK_KINDS: Record<string, CheckKind<unknown>> = Object.fromEntries(
  [manifestsCheck, configurationCheck, monitoringCheck, liveCheck, githubCheck].map((k) => [
    k.kind,
    k as CheckKind<unknown>,
  ]),
);
