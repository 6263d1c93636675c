import { Module } from '@nestjs/common';
import { InformerRegistry } from './informer.registry.js';
import { kubeConfigProvider } from './kube-config.provider.js';
import { KubeClient } from './kube.client.js';
import { KUBE_CONFIG } from './kubernetes.constants.js';

/** The Kubernetes client seam and the informers built on it. */
@Module({
  providers: [kubeConfigProvider, KubeClient, InformerRegistry],
  exports: [KUBE_CONFIG, KubeClient, InformerRegistry],
})
export class KubernetesModule {}
