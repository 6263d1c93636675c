import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { REQUEST_OBSERVER, type RequestObserver } from './request.observer.js';
import { type RecordKind, RequestRecord } from './request.record.js';

/** Opens a record when a request arrives and hands it to the observers exactly once at its end. */
@Injectable()
export class RequestRecords {
  private readonly logger = new Logger(RequestRecords.name);

  private readonly observers: RequestObserver[];
  /** The observers that also want to know when a request arrives (in-flight gauges). */
  private readonly openers: RequestObserver[];

  constructor(@Inject(REQUEST_OBSERVER) observers: readonly RequestObserver[]) {
    this.observers = [...observers];
    this.openers = observers.filter((observer) => observer.opened);
  }

  /**
   * Adds an observer from a module the REQUEST_OBSERVER list cannot name (it would depend
   * upwards), e.g. limits/ releasing a sandbox's slot; before traffic, from a constructor.
   */
  observe(observer: RequestObserver): void {
    this.observers.push(observer);
    if (observer.opened) this.openers.push(observer);
  }

  /** Whether anyone reads records: without observers, nothing waits for a request's end. */
  get observed(): boolean {
    return this.observers.length > 0;
  }

  open(
    req: IncomingMessage,
    requestId: string,
    kind: RecordKind,
    websocket = false,
  ): RequestRecord {
    const record = new RequestRecord(
      requestId,
      kind,
      req.method ?? 'GET',
      req.url ?? '/',
      websocket,
    );
    for (const observer of this.openers) observer.opened!(record);
    return record;
  }

  finish(record: RequestRecord): void {
    if (record.totalMs !== undefined) return;
    record.totalMs = performance.now() - record.startedMs;
    for (const observer of this.observers) {
      try {
        observer.finished(record);
      } catch (error) {
        // An observer's bug must not reach the client or the other observers.
        this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      }
    }
  }
}
