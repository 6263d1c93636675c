import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorRequest, sendError, sendErrorOnSocket } from '../errors/error-response.js';
import { RouterError } from '../errors/router-error.js';
import { requestIdOf } from '../proxy/forwarded-headers.js';

/** A request Node could not parse: no headers to read, so the body is SPEC §6 JSON. */
const UNPARSED: ErrorRequest = { headers: {}, method: undefined };

/** What each of Node's parser and timeout errors means to the client (Node's own statuses). */
function clientErrorFor(code: string | undefined): RouterError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new RouterError('HEADERS_TOO_LARGE', 'Request headers too large.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RouterError('REQUEST_TIMEOUT', 'Request headers not received in time.');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new RouterError('PAYLOAD_TOO_LARGE', 'Chunk extensions too large.');
    default:
      return new RouterError('ROUTE_INVALID', 'Malformed HTTP request.');
  }
}

/**
 * The server's `clientError` listener: a request Node refused before there was a request object
 * (a malformed request line, a head over `server.maxHeaderBytes`, one not complete within
 * `server.headersTimeoutSeconds`) is answered with the SPEC §6 body and an `X-Request-ID` on
 * the raw socket, then the socket is closed. A socket that cannot take it (reset, already
 * closing, or in the middle of a response) is only destroyed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // Node's own default answers only when no response has begun on the connection either.
  const current = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  sendErrorOnSocket(UNPARSED, socket, clientErrorFor(error.code), randomUUID());
}

/**
 * Fastify's `frameworkErrors`: a router endpoint's URL it cannot decode (a bad `%`-escape) is
 * a malformed path, answered like the router's other errors instead of Fastify's own body.
 */
export function answerFrameworkError(
  _error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  reply.hijack();
  const error = new RouterError('ROUTE_INVALID', 'Malformed request path.');
  sendError(request.raw, reply.raw, error, requestIdOf(request.raw));
}
