import { Global, Module } from '@nestjs/common';
import { REQUEST_OBSERVER } from './request.observer.js';
import { RequestRecords } from './request.records.js';

/**
 * The request record and its observers. Global: both front doors (HTTP and WebSocket) open
 * records, and the observers of later modules (metrics, access log) join REQUEST_OBSERVER here.
 */
@Global()
@Module({
  providers: [{ provide: REQUEST_OBSERVER, useValue: [] }, RequestRecords],
  exports: [RequestRecords],
})
export class ObservabilityModule {}
