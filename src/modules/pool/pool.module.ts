import { Module } from '@nestjs/common';
import { KubernetesModule } from '../kubernetes/kubernetes.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { ProxyModule } from '../proxy/proxy.module.js';
import { EndpointSliceDiscovery } from './endpoint-slice.discovery.js';
import { WorkerListReloader } from './worker-list.reloader.js';
import { WorkerHealthChecker } from './worker.health-checker.js';
import { WorkerPool } from './worker.pool.js';
import { WorkerSet } from './worker.set.js';

/** The SandboxFusion worker pool (SPEC §3.5): requests without a route key, when configured. */
@Module({
  imports: [ProxyModule, KubernetesModule, LimitsModule],
  providers: [
    WorkerSet,
    WorkerHealthChecker,
    WorkerPool,
    EndpointSliceDiscovery,
    WorkerListReloader,
  ],
  exports: [WorkerSet, WorkerHealthChecker],
})
export class PoolModule {}
