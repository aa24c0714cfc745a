export * from './errors.js';
export * from './kubeconfig.js';
export * from './client.js';
export * from './replicasets.js';
export * from './rollout-status.js';
export * from './pod-health.js';
export * from './deployment-watch.js';
export * from './scale.js';
