import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from '../errors/error-response.js';
import { RouterError } from '../errors/router-error.js';
import type { RequestRecord } from '../observability/request.record.js';
import { rewriteResponseHeaders } from './forwarded-headers.js';
import { rewriteResponsePaths } from './path-rewrite.js';
import type { Route } from './request.router.js';
import type { AttemptOutcome } from './upstream.attempt.js';

/**
 * Answers the client with an attempt's outcome: the upstream's head (hop-by-hop headers out,
 * path routing's `Location` and `Set-Cookie` put back under the mount, `X-Request-ID` set) and
 * its body streamed with backpressure, or the router's own error.
 */
export function respond(
  req: IncomingMessage,
  res: ServerResponse,
  outcome: AttemptOutcome,
  route: Route,
): void {
  const { record } = route;
  if (outcome instanceof RouterError) return respondWithError(req, res, outcome, record);
  const headers = rewriteResponseHeaders(outcome.headers);
  if (route.pathRewrite) rewriteResponsePaths(headers, route.pathRewrite);
  headers['x-request-id'] = record.requestId;
  record.status = outcome.status;
  res.writeHead(outcome.status, outcome.statusText, headers);
  outcome.body.pipe(res);
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
