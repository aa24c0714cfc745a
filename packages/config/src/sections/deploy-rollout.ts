import { input } from '../inputs.js';

/** deploy-rollout's inputs: the contract shared by action.yml, its README and the spec's `deploy-rollout` section. */
export const deployRolloutInputs = {
  mode: input.enum(['deploy', 'rollback', 'status'] as const, {
    description:
      'deploy: apply and watch the rollout, rolling back on failure. rollback: roll back now (to `to-revision` or the previous revision). status: report the rollout. Default deploy.',
    default: 'deploy',
  }),
  namespace: input.string({
    description: 'Namespace of the Deployment (and of manifests that name none). Default default.',
    default: 'default',
  }),
  deployment: input.string({ description: 'Name of the Deployment to roll out, watch and roll back.', required: true }),
  container: input.string({
    description: 'Container whose image `image` sets. Default: the only container of the pod.',
  }),
  image: input.string({
    description:
      'New image for `container` (e.g. ghcr.io/acme/web:1.4.2): set in the manifest of the Deployment when `manifests` has it, otherwise patched into the live Deployment.',
    pattern: /^[^\s]+$/,
    patternHint: 'is not an image reference (no spaces allowed)',
  }),
  images: input.map({
    description:
      'Image substitutions inside `manifests`: image name (repository) = new image, or = :tag / @digest to keep the repository. One per line.',
  }),
  manifests: input.list({
    description:
      'Manifest files or folders (*.yaml, *.yml, *.json; multi-document) to server-side apply (field manager ralph-deploy), one per line.',
  }),
  'ready-timeout': input.duration({
    description: 'A new pod that is not Ready this long after it appears fails the rollout. Default 2m.',
    default: '2m',
    min: '1s',
  }),
  'max-restarts': input.number({
    description: 'More container restarts than this in a new pod fail the rollout. Default 2.',
    default: 2,
    integer: true,
    min: 0,
  }),
  'health-url': input.url({
    description: 'Probed during the rollout and for `verify-duration` after it; 3 failures in a row fail the rollout.',
    protocols: ['http', 'https'],
  }),
  'verify-duration': input.duration({
    description:
      'After the rollout completes, keep watching the new pods (and `health-url`) this long before calling it a success. Default 30s.',
    default: '30s',
  }),
  'auto-rollback': input.boolean({
    description:
      'Roll back to the revision live before this deploy when the rollout fails. The action still fails (result rolled-back). Default true.',
    default: true,
  }),
  'to-revision': input.number({
    description: 'mode rollback: the revision to restore. Default 0: the previous revision (as kubectl rollout undo).',
    default: 0,
    integer: true,
    min: 0,
  }),
  kubeconfig: input.string({
    description: 'Path of a kubeconfig file. Default: KUBECONFIG, ~/.kube/config, or the in-cluster service account.',
  }),
  context: input.string({ description: "Kubeconfig context to use. Default: the kubeconfig's current context." }),
  'github-token': input.secret({
    description:
      'Token with deployments: write. When set, a GitHub Deployment is created for `environment` with in_progress, success and failure statuses.',
  }),
  'environment-url': input.url({
    description: 'URL shown on the GitHub Deployment (e.g. https://app.example.com).',
    protocols: ['http', 'https'],
  }),
};
