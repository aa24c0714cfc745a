import { input } from '../inputs.js';

/** preflight-check's inputs: the contract shared by action.yml, its README and the spec's `preflight-check` section. */
export const preflightCheckInputs = {
  phase: input.string({ description: 'Checklist phase to evaluate (pre-deploy, deploy, post-deploy, infrastructure, security, ...).', default: 'pre-deploy' }),
};
