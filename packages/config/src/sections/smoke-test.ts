import { input } from '../inputs.js';

/** smoke-test's inputs: the contract shared by action.yml, its README and the spec's `smoke-test` section. */
export const smokeTestInputs = {
  'base-url': input.url({ description: 'Base URL of the service under test.', required: true, protocols: ['http', 'https'] }),
};
