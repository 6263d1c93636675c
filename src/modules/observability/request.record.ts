import type { ErrorCode, RouterError, UpstreamErrorReason } from '../errors/router-error.js';
import type { SandboxActivity } from '../resolution/sandbox.lifecycle.js';
import type { RouteKind } from '../routing/route-key.js';

/** How a request named its destination: a route key form, the worker pool, or nothing usable. */
export type RecordKind = RouteKind | 'pool' | 'none';

/**
 * One request or WebSocket from arrival to end, the only bookkeeping of it: the front doors
 * fill it in as they learn things, and REQUEST_OBSERVERs (metrics, access log, pool counters)
 * read it once it is finished. Plain fields, written in place: nothing here costs a request more
 * than a store.
 */
export class RequestRecord {
  /** Wall-clock arrival, for logs. */
  readonly startedAt = Date.now();
  /** Monotonic arrival: every duration below is measured from it. */
  readonly startedMs = performance.now();
  sandbox?: string;
  namespace?: string;
  /** `host:port` of the target the last attempt went to. */
  upstream?: string;
  /** Response status; for a WebSocket, the status of a refused upgrade. */
  status?: number;
  /** WebSocket: the close code the client leg ended with. */
  closeCode?: number;
  /** Request body bytes sent upstream (WebSocket: message bytes from the client). */
  bytesIn = 0;
  /** Response body bytes sent to the client (WebSocket: message bytes to the client). */
  bytesOut = 0;
  /** Until a connection carried the request; undefined when no attempt got that far. */
  connectMs?: number;
  /** Until the response head (WebSocket: the upstream's 101). */
  headMs?: number;
  totalMs?: number;
  attempts = 0;
  /** The router's own error, when it answered one. */
  errorCode?: ErrorCode;
  /** How the last failed attempt failed, if one did. */
  upstreamError?: UpstreamErrorReason;
  /** The client left before the response was complete. */
  aborted = false;
  /** How long resolution held it for its sandbox (starting, or resuming); undefined if not. */
  heldMs?: number;
  /** Keep-alive's tracker of its sandbox, when this request counts as its activity. */
  activity?: SandboxActivity;
  /** The sandbox whose connection slot this holds (limits.maxConnectionsPerSandbox) till finished. */
  sandboxSlot?: string;

  constructor(
    readonly requestId: string,
    /** Known at arrival: the route key's form, the pool, or none. */
    readonly kind: RecordKind,
    readonly method: string,
    /** The raw request target as the client sent it; observers strip the query. */
    readonly url: string,
    readonly websocket: boolean,
  ) {}

  /** The router answered with its own error, `bodyBytes` long. */
  failed(error: RouterError, bodyBytes: number): void {
    this.status = error.status;
    this.errorCode = error.code;
    this.bytesOut += bodyBytes;
  }
}
