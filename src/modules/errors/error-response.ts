import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { isGrpcRequest, sendGrpcError } from './grpc-status.js';
import type { RouterError } from './router-error.js';

/** What the error body depends on; a request Node could not parse has no headers at all. */
export type ErrorRequest = Pick<IncomingMessage, 'headers' | 'method'>;

/** An error answer, ready to write on a response or on a raw socket. */
export interface RenderedError {
  status: number;
  headers: Record<string, string | number>;
  /** Undefined for HEAD. */
  body?: string;
}

/**
 * The one place that shapes an error response: SPEC §6 JSON for API clients, a small page for
 * a browser navigation.
 */
export function renderError(
  req: ErrorRequest,
  error: RouterError,
  requestId: string,
): RenderedError {
  const html = prefersHtml(req.headers.accept);
  const body = html
    ? errorPage(error, requestId)
    : JSON.stringify({ detail: error.detail, code: error.code, requestId });
  return {
    status: error.status,
    headers: {
      ...error.headers,
      'content-type': html ? 'text/html; charset=utf-8' : 'application/json',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-request-id': requestId,
    },
    body: req.method === 'HEAD' ? undefined : body,
  };
}

/**
 * Answers with the error; returns the body bytes written. A response whose head is already out
 * can only be cut.
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  error: RouterError,
  requestId: string,
): number {
  if (isGrpcRequest(req)) return sendGrpcError(res, error, requestId);
  if (res.headersSent) {
    res.destroy();
    return 0;
  }
  const { status, headers, body } = renderError(req, error, requestId);
  res.writeHead(status, headers);
  res.end(body);
  return body === undefined ? 0 : Buffer.byteLength(body);
}

/**
 * The same answer on the raw socket of an upgrade request (no ServerResponse exists there),
 * then the socket is closed: the client asked for a protocol switch it will not get. Returns
 * the body bytes written.
 */
export function sendErrorOnSocket(
  req: ErrorRequest,
  socket: Duplex,
  error: RouterError,
  requestId: string,
): number {
  const { status, headers, body = '' } = renderError(req, error, requestId);
  if (!socket.writable) {
    socket.destroy();
    return 0;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(rawResponseHead(status, headers) + body);
  return Buffer.byteLength(body);
}

/**
 * A `Connection: close` HTTP/1.1 response head for a raw socket (an upgrade request has no
 * ServerResponse): the router's own errors and an upstream's refusal of a handshake.
 */
export function rawResponseHead(
  status: number,
  headers: Readonly<Record<string, string | number | string[] | undefined>>,
  statusText = STATUS_CODES[status] ?? '',
): string {
  let head = `HTTP/1.1 ${status} ${statusText}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'connection') continue;
    for (const item of Array.isArray(value) ? value : [value]) head += `${name}: ${item}\r\n`;
  }
  return `${head}connection: close\r\n\r\n`;
}

/** True when the client ranks text/html above JSON, as browsers do for navigations. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept || !accept.includes('text/html')) return false;
  const json = accept.indexOf('application/json');
  return json < 0 || accept.indexOf('text/html') < json;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function errorPage(error: RouterError, requestId: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${error.status} ${error.code}</title></head>
<body><h1>${error.status} ${escapeHtml(error.code)}</h1><p>${escapeHtml(error.detail)}</p>
<p><small>request id ${escapeHtml(requestId)}</small></p></body></html>
`;
}
