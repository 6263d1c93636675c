import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { rawResponseHead } from '../errors/error-response.js';
import { rewriteResponseHeaders } from '../proxy/forwarded-headers.js';

/** Set by the client leg's own handshake, never copied from the upstream's. */
const LEG_HEADERS = new Set([
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'sec-websocket-version',
  'date',
]);

/**
 * The upstream's 101 headers worth passing to the client (cookies, custom headers) as
 * `Name: value` lines for the client leg's 101, plus the request id.
 */
export function acceptedHeaderLines(response: IncomingMessage, requestId: string): string[] {
  const headers = rewriteResponseHeaders(response.headers);
  const lines: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || LEG_HEADERS.has(name) || name === 'x-request-id') continue;
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${item}`);
  }
  lines.push(`x-request-id: ${requestId}`);
  return lines;
}

/**
 * Passes an upstream's refusal of the handshake (e.g. 403 from a kernel gateway) to the
 * client as it came: status, headers, body. The body is close-delimited, the socket then closed.
 * Calls `done` once the client socket is finished with.
 */
export function passRefusal(
  response: IncomingMessage,
  socket: Duplex,
  requestId: string,
  done: () => void,
): void {
  const status = response.statusCode ?? 502;
  const headers = rewriteResponseHeaders(response.headers);
  headers['x-request-id'] = requestId;
  const head = rawResponseHead(status, headers, response.statusMessage || undefined);

  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    response.destroy();
    socket.destroy();
    done();
  };
  if (!socket.writable) return finish();
  socket.once('close', finish);
  socket.once('finish', finish);
  response.once('error', finish);
  socket.write(head);
  response.pipe(socket);
}
