import {
  Global,
  Inject,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
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
export class ObservabilityModule implements OnModuleInit, OnApplicationShutdown {
  private flusher?: NodeJS.Timeout;

  constructor(@Inject(LOG_DESTINATION) private readonly destination: BufferedDestination) {}

  /** Lines held for a fuller write go out within a second however quiet the router is. */
  onModuleInit(): void {
    if (!this.destination.flush) return;
    this.flusher = setInterval(() => this.flush(false), FLUSH_INTERVAL_MS).unref();
  }

  /** The last lines (the shutdown's own) reach the file before the process exits. */
  onApplicationShutdown(): void {
    clearInterval(this.flusher);
    this.flush(true);
  }

  private flush(sync: boolean): void {
    try {
      if (sync) this.destination.flushSync?.();
      else this.destination.flush?.();
    } catch {
      // Standard output not open yet: the next flush takes the lines.
    }
  }
}

/** BatchedDestination's flushing, or nothing for a test's own stream. */
interface BufferedDestination {
  flush?(): void;
  flushSync?(): void;
}

const FLUSH_INTERVAL_MS = 1_000;
