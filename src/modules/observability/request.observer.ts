import type { RequestRecord } from './request.record.js';

/** The observers of finished records: a list, empty unless a module registers some. */
export const REQUEST_OBSERVER = Symbol('REQUEST_OBSERVER');

/**
 * Reads records (metrics, the access log): `finished` once per request, after the response. It
 * must not throw, block, or change anything the client sees.
 */
export interface RequestObserver {
  /** The request has arrived (its kind is known; nothing else yet). */
  opened?(record: Readonly<RequestRecord>): void;
  finished(record: Readonly<RequestRecord>): void;
}
