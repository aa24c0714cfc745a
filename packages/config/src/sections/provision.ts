import { input } from '../inputs.js';

/** provision's inputs: the contract shared by action.yml, its README and the spec's `provision` section. */
export const provisionInputs = {
  provider: input.enum(['aws', 'gcp'] as const, { description: 'Cloud provider.', default: 'aws' }),
  apply: input.boolean({ description: 'Execute the plan (false prints it only).', default: false }),
};
