import { Module } from '@nestjs/common';
import { ClockModule } from './modules/clock/clock.module.js';
import { RouterConfigModule } from './modules/config/config.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { Http2Module } from './modules/http2/http2.module.js';
import { ObservabilityModule } from './modules/observability/observability.module.js';
import { PoolModule } from './modules/pool/pool.module.js';
import { ProxyModule } from './modules/proxy/proxy.module.js';
import { WebSocketModule } from './modules/websocket/websocket.module.js';

@Module({
  imports: [
    RouterConfigModule,
    ClockModule,
    ObservabilityModule,
    ProxyModule,
    Http2Module,
    PoolModule,
    WebSocketModule,
    HealthModule,
  ],
})
export class AppModule {}
