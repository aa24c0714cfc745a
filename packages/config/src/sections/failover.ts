import { input } from '../inputs.js';

/** failover's inputs: the contract shared by action.yml, its README and the spec's `failover` section. */
export const failoverInputs = {
  confirm: input.string({ description: 'Must equal the environment name before anything changes.', inputOnly: true }),
};
