import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ActionError, InputError, errorMessage } from '@ralph-deploy/common';

export interface KubeConfigOptions {
  /** Path of a kubeconfig file (the `kubeconfig` input). Wins over KUBECONFIG. */
  kubeconfig?: string | undefined;
  /** Context to use instead of the file's current-context. */
  context?: string | undefined;
  /** Name of the input holding the context, for error messages. Default 'context'. */
  contextInput?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Credentials are ambient: the `kubeconfig` input, else KUBECONFIG (colon-separated list), else
 * ~/.kube/config, else the in-cluster service account. client-node's own loadFromDefault silently
 * falls back to http://localhost:8080, which would turn "no credentials" into a confusing network
 * error, so that case is an explicit error here.
 */
export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const env = options.env ?? process.env;
  const kc = new KubeConfig();
  const explicit = options.kubeconfig?.trim();
  try {
    if (explicit) {
      if (!existsSync(explicit)) throw new InputError('kubeconfig', `file "${explicit}" does not exist`);
      kc.loadFromFile(explicit);
    } else if (env.KUBECONFIG?.trim()) {
      const files = env.KUBECONFIG.split(':').filter((f) => f.trim() !== '');
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length === files.length)
        throw new ActionError(`KUBECONFIG names no existing file (${env.KUBECONFIG})`);
      kc.loadFromDefault();
    } else if (existsSync(join(env.HOME ?? homedir(), '.kube', 'config'))) {
      kc.loadFromDefault();
    } else if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
      kc.loadFromCluster();
    } else {
      throw new ActionError(
        "No Kubernetes credentials: set the 'kubeconfig' input or KUBECONFIG (e.g. with azure/k8s-set-context or aws eks update-kubeconfig), or run in a cluster",
      );
    }
  } catch (e: unknown) {
    if (e instanceof ActionError) throw e;
    const where = explicit ? `kubeconfig "${explicit}"` : 'the kubeconfig';
    throw new ActionError(`Could not read ${where}: ${errorMessage(e).split('\n')[0]}`);
  }

  const context = options.context?.trim();
  if (context) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new InputError(
        options.contextInput ?? 'context',
        `no context "${context}" in the kubeconfig (it has: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ActionError(`The kubeconfig has no cluster for context "${kc.getCurrentContext() || '(none)'}"`);
  }
  return kc;
}

/** "context kind-ralph on https://127.0.0.1:6443", for logs (never credentials). */
export function describeKubeConfig(kc: KubeConfig): string {
  return `context ${kc.getCurrentContext() || '(in-cluster)'} on ${kc.getCurrentCluster()?.server ?? 'unknown server'}`;
}
