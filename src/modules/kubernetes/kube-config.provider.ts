import { existsSync } from 'node:fs';
import type { Provider } from '@nestjs/common';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  poolConfig,
  type PoolConfig,
  resolutionConfig,
  type ResolutionConfig,
} from '../config/router.config.js';
import { KUBE_CONFIG } from './kubernetes.constants.js';

/**
 * The providers that read custom resources; with none of them and no pool Service to discover,
 * nothing touches a cluster.
 */
const CUSTOM_RESOURCE_PROVIDERS = new Set(['agent-sandbox', 'batch-sandbox']);

// Where the kubelet mounts the pod's service-account token.
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export const usesKubernetes = (resolution: ResolutionConfig, pool: PoolConfig): boolean =>
  resolution.providers.some((name) => CUSTOM_RESOURCE_PROVIDERS.has(name)) ||
  pool.service.name !== '';

/**
 * A kubeconfig file when one is configured (KUBECONFIG), else the pod's service account.
 * Throws at boot when neither exists: a router told to watch custom resources cannot be ready.
 */
export async function loadKubeConfig({
  kubeconfig,
}: ResolutionConfig['kubernetes']): Promise<KubeConfig> {
  // Imported on demand: the client library alone is ~70 MiB of resident memory, which a
  // dns/static router never needs.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  if (kubeconfig) {
    config.loadFromFile(kubeconfig);
  } else if (existsSync(SERVICE_ACCOUNT_TOKEN)) {
    config.loadFromCluster();
  } else {
    throw new Error(
      'no Kubernetes configuration: set KUBECONFIG (resolution.kubernetes.kubeconfig) or run in a pod with a service account',
    );
  }
  if (!config.getCurrentCluster()) throw new Error(`kubeconfig ${kubeconfig}: no current cluster`);
  return config;
}

/** Loaded only when a custom-resource provider or pool discovery is configured; null otherwise. */
export const kubeConfigProvider: Provider = {
  provide: KUBE_CONFIG,
  inject: [resolutionConfig.KEY, poolConfig.KEY],
  useFactory: (resolution: ResolutionConfig, pool: PoolConfig) =>
    usesKubernetes(resolution, pool) ? loadKubeConfig(resolution.kubernetes) : null,
};
