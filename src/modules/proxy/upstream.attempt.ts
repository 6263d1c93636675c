import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Client, Dispatcher } from 'undici';
import {
  RouterError,
  upstreamErrorReason,
  upstreamFailure,
  upstreamTimeout,
  upstreamUnreachable,
} from '../errors/router-error.js';
import { payloadTooLarge } from '../limits/body.limit.js';
import type { RequestRecord } from '../observability/request.record.js';
import type { UpstreamPool } from './upstream.pools.js';

/** One request to one target, as the attempt sends it. */
export interface AttemptRequest {
  readonly method: string;
  /** Raw path and query, the target's base path included. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's stream, a replay buffer (worker pool retries), or null for no body. */
  readonly body: Readable | Buffer | null;
  /** The wait for the response head, connecting included. */
  readonly timeoutMs: number;
  /** Named in the coded errors' detail. */
  readonly sandbox: string;
  /** The request's record: the attempt counts itself, its timings and its bytes there. */
  readonly record: RequestRecord;
  /** `proxy.maxBodyBytes` (BodyLimit): a body growing past it aborts the attempt (413). */
  readonly maxBodyBytes?: number;
}

/** Where a response body goes: a ServerResponse, or anything written like one. */
export interface BodySink {
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): unknown;
  destroy(error?: Error): unknown;
  addTrailers?(trailers: IncomingHttpHeaders): void;
}

/** The upstream's response head, and its body not yet read. */
export interface UpstreamResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: UpstreamAttempt;
}

export type AttemptOutcome = UpstreamResponse | RouterError;

/**
 * Body bytes that may arrive with the head before the responder pipes the body: a small
 * response is held whole rather than pausing the parser for one event-loop turn; past this,
 * the upstream socket is paused.
 */
const EARLY_BYTES = 64 * 1024;

/**
 * One attempt, an undici dispatch on a client leased from the target's pool. `outcome` settles
 * with the response head or a coded RouterError (refused, reset before the head, head timeout,
 * a 101 nobody asked for, DNS failure) and nothing is written anywhere until someone pipes the
 * body, so a caller may answer, retry elsewhere or give up. The body is streamed with
 * backpressure: the upstream socket is paused while the sink is full.
 */
export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  readonly outcome: Promise<AttemptOutcome>;
  private readonly record: RequestRecord;
  private readonly client: Client;
  private settle!: (outcome: AttemptOutcome) => void;
  private settled = false;
  private released = false;
  private controller?: Dispatcher.DispatchController;
  private readonly headTimer: NodeJS.Timeout;
  private sink?: BodySink;
  /** Body chunks that came with the head, before anyone piped the body. */
  private early?: Buffer[];
  private earlyBytes = 0;
  private trailers?: IncomingHttpHeaders;
  private failure?: Error;
  private readonly maxBodyBytes: number;
  /** Body bytes this attempt sent (the record's count adds up every attempt's). */
  private bodyBytes = 0;
  private readonly resume = () => this.controller?.resume();

  constructor(
    private readonly pool: UpstreamPool,
    private readonly request: AttemptRequest,
  ) {
    this.outcome = new Promise((resolve) => (this.settle = resolve));
    this.record = request.record;
    this.record.attempts++;
    this.maxBodyBytes = request.maxBodyBytes ?? Infinity;
    this.headTimer = setTimeout(() => {
      this.record.upstreamError = 'timeout';
      this.abort(upstreamTimeout(request.sandbox));
    }, request.timeoutMs);
    this.client = pool.acquire();
    const { method, path, headers, body } = request;
    this.client.dispatch({ method, path, headers, body, reset: pool.unpooled }, this);
  }

  /**
   * Streams the body into `sink` (once), then ends it, passing trailers on. An upstream that
   * fails mid-body destroys the sink: a response whose head is out can only be cut.
   */
  pipe(sink: BodySink): void {
    this.sink = sink;
    let full = false;
    for (const chunk of this.early ?? []) full = !sink.write(chunk);
    this.early = undefined;
    if (this.failure) sink.destroy(this.failure);
    else if (this.trailers) this.endSink(this.trailers);
    else if (full) sink.once('drain', this.resume);
    else this.controller?.resume();
  }

  /**
   * Ends the attempt now: before the head, `outcome` settles with `error` (the head timer fired,
   * or the client left: nobody reads that answer); after it, the body is cut. The leased
   * connection is closed. Does nothing once the exchange is complete.
   */
  abort(error?: RouterError): void {
    if (this.released) return;
    const reason = error ?? upstreamUnreachable(this.request.sandbox);
    this.finishHead(reason);
    void this.client.destroy(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.record.connectMs = performance.now() - this.record.startedMs;
  }

  onBodySent(chunk: Buffer): void {
    this.record.bytesIn += chunk.length;
    this.bodyBytes += chunk.length;
    // Before the head: the client gets 413; after it, the response is cut.
    if (this.bodyBytes > this.maxBodyBytes) this.abort(payloadTooLarge(this.maxBodyBytes));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
    statusText?: string,
  ): void {
    // Informational answers (103 Early Hints) are not the response; 100 and 101 never get here.
    if (status < 200) return;
    this.record.headMs = performance.now() - this.record.startedMs;
    this.finishHead({ status, statusText: statusText ?? '', headers, body: this });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.record.bytesOut += chunk.length;
    if (!this.sink) {
      (this.early ??= []).push(chunk);
      this.earlyBytes += chunk.length;
      if (this.earlyBytes >= EARLY_BYTES) controller.pause();
    } else if (!this.sink.write(chunk)) {
      controller.pause();
      this.sink.once('drain', this.resume);
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.release(true);
    if (this.sink) this.endSink(trailers);
    else this.trailers = trailers;
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.release(false);
    // The router's own aborts (timeout, client gone) are noted where they happen.
    if (!(error instanceof RouterError)) this.record.upstreamError = upstreamErrorReason(error);
    this.finishHead(
      error instanceof RouterError ? error : upstreamFailure(error, this.request.sandbox),
    );
    if (this.sink) this.sink.destroy(error);
    else this.failure = error;
  }

  private finishHead(outcome: AttemptOutcome): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.headTimer);
    this.settle(outcome);
  }

  private endSink(trailers: IncomingHttpHeaders): void {
    if (!isEmpty(trailers)) this.sink!.addTrailers?.(trailers);
    this.sink!.end();
  }

  private release(reusable: boolean): void {
    if (this.released) return;
    this.released = true;
    this.pool.release(this.client, reusable);
  }
}

function isEmpty(headers: IncomingHttpHeaders): boolean {
  for (const _ in headers) return false;
  return true;
}
