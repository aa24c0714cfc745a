import { input } from '../inputs.js';

/** deploy-rollout's inputs: the contract shared by action.yml, its README and the spec's `deploy-rollout` section. */
export const deployRolloutInputs = {
  namespace: input.string({ description: 'Namespace of the Deployment.', default: 'default' }),
  deployment: input.string({ description: 'Name of the Deployment.', required: true }),
  mode: input.enum(['deploy', 'rollback', 'status'] as const, { description: 'What to do.', default: 'deploy' }),
};
