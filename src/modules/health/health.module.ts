import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Http2Module } from '../http2/http2.module.js';
import { KubernetesModule } from '../kubernetes/kubernetes.module.js';
import { PoolModule } from '../pool/pool.module.js';
import { WebSocketModule } from '../websocket/websocket.module.js';
import { AdminServer } from './admin.server.js';
import { DrainHealthIndicator } from './drain.health.js';
import { GracefulShutdown } from './graceful-shutdown.js';
import { HealthController } from './health.controller.js';
import { InformerHealthIndicator } from './informer.health.js';
import { PoolHealthIndicator } from './pool.health.js';
import { Readiness } from './readiness.js';
import { RouterInfoController } from './router-info.controller.js';
import { StateMetrics } from './state.metrics.js';

@Module({
  imports: [
    TerminusModule.forRoot({ logger: false }),
    KubernetesModule,
    Http2Module,
    WebSocketModule,
    PoolModule,
  ],
  controllers: [HealthController, RouterInfoController],
  providers: [
    GracefulShutdown,
    DrainHealthIndicator,
    InformerHealthIndicator,
    PoolHealthIndicator,
    Readiness,
    StateMetrics,
    AdminServer,
  ],
})
export class HealthModule {}
