import { Module } from '@nestjs/common';
import { KubernetesModule } from '../kubernetes/kubernetes.module.js';
import { KeepAliveService } from './keep-alive.service.js';
import { LifecycleMetrics } from './lifecycle.metrics.js';
import { SandboxLifecycles } from './sandbox.lifecycles.js';
import { WakeCoordinator } from './wake.coordinator.js';

/**
 * A sandbox's life as traffic sees it (`lifecycle.*`): wake on traffic and keep alive while
 * used, by patching the sandbox's own custom resource. The CR providers ask it per kind.
 */
@Module({
  imports: [KubernetesModule],
  providers: [LifecycleMetrics, WakeCoordinator, KeepAliveService, SandboxLifecycles],
  exports: [SandboxLifecycles, WakeCoordinator, KeepAliveService],
})
export class LifecycleModule {}
