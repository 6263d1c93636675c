import type { RequestRecord } from './request.record.js';

/** The observers of finished records: a list, empty unless a module registers some. */
export const REQUEST_OBSERVER = Symbol('REQUEST_OBSERVER');

/**
 * Reads a finished record (metrics, the access log, pool counters). Called once per request,
 * after the response: it must not throw, block, or change anything the client sees.
 */
export interface RequestObserver {
  finished(record: Readonly<RequestRecord>): void;
}
