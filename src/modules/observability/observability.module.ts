import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { serverConfig, type ServerConfig } from '../config/router.config.js';
import { AccessLogObserver } from './access-log.observer.js';
import { LOG_DESTINATION, logDestinationProvider } from './log.destination.js';
import { METRICS_REGISTRY, metricsRegistryProvider } from './metrics.registry.js';
import { RequestMetrics } from './request.metrics.js';
import { REQUEST_OBSERVER, type RequestObserver } from './request.observer.js';
import { RequestRecords } from './request.records.js';
import { RouterLogger } from './router.logger.js';

/**
 * The request record and its observers (metrics, when the admin port serves them; the access
 * log, unless `accessLog: false`), the Prometheus registry, and the one logger. Global: both
 * front doors open records, and every module logs.
 */
@Global()
@Module({
  providers: [
    logDestinationProvider,
    RouterLogger,
    metricsRegistryProvider,
    RequestMetrics,
    AccessLogObserver,
    {
      provide: REQUEST_OBSERVER,
      inject: [serverConfig.KEY, RequestMetrics, AccessLogObserver],
      useFactory: (
        config: ServerConfig,
        metrics: RequestMetrics,
        accessLog: AccessLogObserver,
      ): RequestObserver[] => [
        ...(config.adminPort !== 0 ? [metrics] : []),
        ...(config.accessLog ? [accessLog] : []),
      ],
    },
    RequestRecords,
  ],
  exports: [RequestRecords, RouterLogger, METRICS_REGISTRY, LOG_DESTINATION],
})
export class ObservabilityModule implements OnApplicationShutdown {
  constructor(@Inject(LOG_DESTINATION) private readonly destination: { flushSync?(): void }) {}

  /** The last lines (the shutdown's own) reach the file before the process exits. */
  onApplicationShutdown(): void {
    try {
      this.destination.flushSync?.();
    } catch {
      // Not open yet, or a test's own stream: nothing buffered to lose.
    }
  }
}
