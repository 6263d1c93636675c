import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from '../errors/error-response.js';
import { RouterError } from '../errors/router-error.js';
import type { RequestRecord } from '../observability/request.record.js';
import { rewriteResponseHeaders } from './forwarded-headers.js';
import { rewriteResponsePaths } from './path-rewrite.js';
import type { PathRewrite } from './path-rewrite.js';
import type { AttemptOutcome, UpstreamResponse } from './upstream.attempt.js';

/** What shapes an answer besides the upstream's: a Route, or the pool's own context. */
export interface ResponseContext {
  readonly record: RequestRecord;
  readonly pathRewrite?: PathRewrite;
  /** Headers the router adds (the pool's `X-Router-Worker`, `X-Router-Attempt`). */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

/**
 * Answers the client with an attempt's outcome: the upstream's head and its body streamed with
 * backpressure, or the router's own error.
 */
export function respond(
  req: IncomingMessage,
  res: ServerResponse,
  outcome: AttemptOutcome,
  context: ResponseContext,
): void {
  if (outcome instanceof RouterError) return respondWithError(req, res, outcome, context.record);
  context.record.status = outcome.status;
  // HTTP/2 has no reason phrase (Node warns when given one).
  const statusText = req.httpVersionMajor === 2 ? undefined : outcome.statusText;
  res.writeHead(outcome.status, statusText, responseHeaders(outcome, context));
  outcome.body.pipe(res);
}

/**
 * The upstream's headers as the client gets them: hop-by-hop out, path routing's `Location` and
 * `Set-Cookie` put back under the mount, the router's own headers and `X-Request-ID` set.
 */
export function responseHeaders(
  response: UpstreamResponse,
  { record, pathRewrite, extraHeaders }: ResponseContext,
): IncomingHttpHeaders {
  const headers = rewriteResponseHeaders(response.headers);
  if (pathRewrite) rewriteResponsePaths(headers, pathRewrite);
  if (extraHeaders) Object.assign(headers, extraHeaders);
  headers['x-request-id'] = record.requestId;
  return headers;
}

/** The router's own answer (SPEC §6), noted in the record. */
export function respondWithError(
  req: IncomingMessage,
  res: ServerResponse,
  error: RouterError,
  record: RequestRecord,
): void {
  record.failed(error, sendError(req, res, error, record.requestId));
}
