import { Inject, Injectable } from '@nestjs/common';
import type { DestinationStream, Logger } from 'pino';
import { LOG_DESTINATION } from './log.destination.js';
import type { RequestObserver } from './request.observer.js';
import type { RequestRecord } from './request.record.js';
import { jsonLogger } from './router.logger.js';

const ms = (value: number | undefined) =>
  value === undefined ? undefined : Math.round(value * 10) / 10;

/**
 * One JSON line per finished request or WebSocket (SPEC §8), read from its record: never a
 * header value, so never a token, cookie or `Authorization`, and the path without its query.
 * Written at info whatever `LOG_LEVEL` says (`accessLog: false` turns it off).
 */
@Injectable()
export class AccessLogObserver implements RequestObserver {
  private readonly pino: Logger;

  constructor(@Inject(LOG_DESTINATION) stream: DestinationStream) {
    this.pino = jsonLogger('info', stream);
  }

  finished(record: Readonly<RequestRecord>): void {
    const query = record.url.indexOf('?');
    this.pino.info(
      {
        requestId: record.requestId,
        kind: record.kind,
        websocket: record.websocket,
        sandbox: record.sandbox,
        namespace: record.namespace,
        upstream: record.upstream,
        method: record.method,
        path: query < 0 ? record.url : record.url.slice(0, query),
        status: record.status,
        closeCode: record.closeCode,
        bytesIn: record.bytesIn,
        bytesOut: record.bytesOut,
        connectMs: ms(record.connectMs),
        headMs: ms(record.headMs),
        totalMs: ms(record.totalMs),
        attempts: record.attempts,
        errorCode: record.errorCode,
        upstreamError: record.upstreamError,
        aborted: record.aborted || undefined,
      },
      'access',
    );
  }
}
