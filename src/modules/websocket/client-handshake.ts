import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

// RFC 6455 §4.2.1: a base64-encoded 16-byte nonce.
const KEY = /^[+/0-9A-Za-z]{22}==$/;
// RFC 9110 token: what a sub-protocol name may be.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers that belong to one leg's handshake: each leg negotiates its own. */
const LEG_HEADERS = [
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
];

/** What the client asked for. */
export interface ClientOffer {
  /** Sub-protocols in the client's order; the upstream chooses among them. */
  readonly protocols: string[];
  /** Whether the client offered `permessage-deflate`; only then is it offered upstream. */
  readonly deflate: boolean;
}

/**
 * Whether the request is an upgrade the `ws` server will accept (RFC 6455 §4.2.1). A malformed
 * one never reaches a sandbox: `ws` answers it in its own words (400/405), like any WebSocket
 * server would.
 */
export function isWellFormed(req: IncomingMessage): boolean {
  const { headers } = req;
  const version = headers['sec-websocket-version'];
  return (
    req.method === 'GET' &&
    headers.upgrade?.toLowerCase() === 'websocket' &&
    KEY.test(headers['sec-websocket-key'] ?? '') &&
    (version === '13' || version === '8') &&
    offeredProtocols(headers) !== undefined
  );
}

/** The offer of a well-formed handshake. */
export function clientOffer(req: IncomingMessage): ClientOffer {
  return {
    protocols: offeredProtocols(req.headers) ?? [],
    deflate: /(?:^|,)\s*permessage-deflate\s*(?:[;,]|$)/i.test(
      String(req.headers['sec-websocket-extensions'] ?? ''),
    ),
  };
}

/**
 * The headers the upstream handshake carries: the route's (routing headers, consumed
 * Authorization, hop-by-hop and, unless preserveHost, Host gone; X-Forwarded-* and X-Request-ID
 * set), minus what the upstream leg's own handshake supplies, and minus `Origin` with
 * `websocket.stripOrigin`.
 */
export function upstreamHeaders(
  headers: IncomingHttpHeaders,
  stripOrigin: boolean,
): IncomingHttpHeaders {
  const forwarded = { ...headers };
  for (const name of LEG_HEADERS) delete forwarded[name];
  if (stripOrigin) delete forwarded.origin;
  return forwarded;
}

/** The offered sub-protocols, or undefined when the header is malformed or repeats a name. */
function offeredProtocols(headers: IncomingHttpHeaders): string[] | undefined {
  const raw = headers['sec-websocket-protocol'];
  if (raw === undefined) return [];
  const protocols = raw.split(',').map((name) => name.trim());
  const valid = protocols.every((name) => TOKEN.test(name));
  return valid && new Set(protocols).size === protocols.length ? protocols : undefined;
}
