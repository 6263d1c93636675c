import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, type Http2ServerResponse } from 'node:http2';
import type { RouterError } from './router-error.js';

/**
 * `application/grpc` and `application/grpc+<codec>` (a `;` parameter allowed); not gRPC-Web,
 * which browsers send over HTTP/1.1 and which is answered as plain HTTP.
 */
export function isGrpc(contentType: string | undefined): boolean {
  if (!contentType?.startsWith('application/grpc')) return false;
  const next = contentType.charCodeAt(16);
  return Number.isNaN(next) || next === 0x2b /* + */ || next === 0x3b; /* ; */
}

/** A gRPC call: gRPC over HTTP/2 (the only way gRPC travels). */
export const isGrpcRequest = (req: IncomingMessage): boolean =>
  req.httpVersionMajor === 2 && isGrpc(req.headers['content-type']);

/** `grpc-message` is percent-encoded: bytes outside printable ASCII, and `%` itself. */
export const grpcMessage = (text: string): string =>
  text.replace(/[^\x20-\x24\x26-\x7e]/gu, (char) => encodeURIComponent(char));

/**
 * The router's own error as a gRPC client needs it: HTTP 200, trailers only (one HEADERS frame
 * ending the stream) with `grpc-status` mapped from the HTTP status, the SPEC §6 detail as
 * `grpc-message` and the code as `x-router-code`. Returns the body bytes written: none.
 */
export function sendGrpcError(res: ServerResponse, error: RouterError, requestId: string): number {
  const { stream } = res as unknown as Http2ServerResponse;
  if (stream.destroyed || stream.closed) return 0;
  // Its head is out: the call can only be cut.
  if (stream.headersSent) {
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return 0;
  }
  stream.respond(
    {
      ...error.headers,
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': String(error.grpcStatus),
      'grpc-message': grpcMessage(error.detail),
      'x-router-code': error.code,
      'x-request-id': requestId,
    },
    { endStream: true },
  );
  return 0;
}
