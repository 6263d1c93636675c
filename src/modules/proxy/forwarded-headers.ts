import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) plus `Expect`: the router has already answered
 * `100-continue` itself. `Transfer-Encoding` is removed from responses only: Node re-frames
 * the body either way, and on requests it still tells Node how to frame what it forwards.
 */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
];
const REQUEST_ONLY = ['expect'];
const RESPONSE_ONLY = ['transfer-encoding'];

/** The request id: the client's `X-Request-ID` when it sent a sane one, else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && sent.length > 0 && sent.length <= 200 ? sent : randomUUID();
}

export interface ForwardingFacts {
  requestId: string;
  /** The peer, appended to `X-Forwarded-For`. */
  peer: string;
  /** Whether the peer's own `X-Forwarded-*` headers are believed. */
  peerTrusted: boolean;
  /** Headers the router consumed itself (routing keys, its own `Authorization`). */
  consumed: ReadonlySet<string>;
}

/** Rewrites the client's headers, in place, into what the upstream receives. */
export function rewriteRequestHeaders(headers: IncomingHttpHeaders, facts: ForwardingFacts): void {
  removeHopByHop(headers, REQUEST_ONLY);
  for (const name of facts.consumed) delete headers[name];

  const { peer, peerTrusted } = facts;
  const chain = peerTrusted ? headers['x-forwarded-for'] : undefined;
  headers['x-forwarded-for'] = chain ? `${chain}, ${peer}` : peer;
  if (!peerTrusted || !headers['x-forwarded-proto']) headers['x-forwarded-proto'] = 'http';
  if (!peerTrusted || !headers['x-forwarded-host']) {
    if (headers.host) headers['x-forwarded-host'] = headers.host;
    else delete headers['x-forwarded-host'];
  }
  headers['x-request-id'] = facts.requestId;
}

/** Strips what must not cross the router on the way back. */
export function rewriteResponseHeaders(headers: IncomingHttpHeaders): void {
  removeHopByHop(headers, RESPONSE_ONLY);
}

function removeHopByHop(headers: IncomingHttpHeaders, extra: readonly string[]): void {
  const nominated = headers.connection;
  if (nominated) {
    for (const token of nominated.split(',')) {
      const name = token.trim().toLowerCase();
      // Framing is Node's business on each leg; never let a client nominate it away.
      if (name && name !== 'transfer-encoding' && name !== 'content-length') delete headers[name];
    }
  }
  for (const name of HOP_BY_HOP) delete headers[name];
  for (const name of extra) delete headers[name];
}
