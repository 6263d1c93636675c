import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { withoutCookie } from '../auth/session.credential.js';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1). On requests `Expect` too, which the router has already
 * answered itself, and `Transfer-Encoding`: undici frames what it forwards (chunked when there
 * is no length). Node re-frames responses likewise.
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
/** HTTP/2 pseudo-headers: the upstream request gets its own method, path and authority. */
const PSEUDO = [':method', ':path', ':authority', ':scheme', ':protocol'];
const REQUEST_DROPPED = new Set([...HOP_BY_HOP, ...PSEUDO, 'expect', 'transfer-encoding']);
const RESPONSE_DROPPED = new Set([...HOP_BY_HOP, 'transfer-encoding']);
/** Set by the router itself from what it saw (client values kept only from trusted proxies). */
const FORWARDING = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
]);

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
  /** The browser-session cookie (`auth.cookie.name`), taken out of `Cookie`; others stay. */
  sessionCookie?: string;
  /** `proxy.preserveHost`: keep the client's `Host`; otherwise the target's authority is sent. */
  preserveHost: boolean;
  /** The client came over TLS (the TLS listener): `X-Forwarded-Proto: https`. */
  secure?: boolean;
}

/**
 * What the upstream receives: the client's headers less hop-by-hop and consumed ones, with
 * `X-Forwarded-*` and `X-Request-ID` set. A new object built in one pass (deleting keys would
 * turn the headers into a slow dictionary-mode object); the request's own are left alone.
 */
export function rewriteRequestHeaders(
  headers: IncomingHttpHeaders,
  facts: ForwardingFacts,
): IncomingHttpHeaders {
  const nominated = nominatedBy(headers.connection);
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (REQUEST_DROPPED.has(name) || FORWARDING.has(name) || facts.consumed.has(name)) continue;
    if (nominated?.has(name) || (name === 'host' && !facts.preserveHost)) continue;
    if (facts.sessionCookie !== undefined && name === 'cookie') {
      const others = withoutCookie(headers.cookie ?? '', facts.sessionCookie);
      if (others !== undefined) out.cookie = others;
      continue;
    }
    out[name] = headers[name];
  }
  const { peer, peerTrusted } = facts;
  const chain = peerTrusted ? headers['x-forwarded-for'] : undefined;
  out['x-forwarded-for'] = chain ? `${chain}, ${peer}` : peer;
  out['x-forwarded-proto'] =
    (peerTrusted && headers['x-forwarded-proto']) || (facts.secure ? 'https' : 'http');
  const host = (peerTrusted && headers['x-forwarded-host']) || headers.host;
  if (host) out['x-forwarded-host'] = host;
  out['x-request-id'] = facts.requestId;
  return out;
}

/** What goes back to the client: the upstream's headers less what must not cross the router. */
export function rewriteResponseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const nominated = nominatedBy(headers.connection);
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (RESPONSE_DROPPED.has(name) || nominated?.has(name)) continue;
    out[name] = headers[name];
  }
  return out;
}

/** Headers a `Connection` header names as hop-by-hop; never the framing ones, Node's business. */
function nominatedBy(connection: string | undefined): Set<string> | undefined {
  // What nearly every client sends names nothing beyond itself.
  if (!connection || connection === 'keep-alive' || connection === 'close') return undefined;
  const names = new Set<string>();
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name && name !== 'transfer-encoding' && name !== 'content-length') names.add(name);
  }
  return names;
}
