import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Inject, Injectable } from '@nestjs/common';
import { AccessControl } from '../auth/access.control.js';
import type { SessionCredential } from '../auth/session.credential.js';
import { proxyConfig, type ProxyConfig } from '../config/router.config.js';
import { RouterError } from '../errors/router-error.js';
import { ClientRateLimit } from '../limits/client-rate.limit.js';
import { SandboxSlots } from '../limits/sandbox-slots.limit.js';
import type { RecordKind, RequestRecord } from '../observability/request.record.js';
import { SANDBOX_RESOLVER } from '../resolution/resolution.constants.js';
import type { ResolverChain } from '../resolution/resolver.chain.js';
import { SKIP_ACTIVITY_HEADER } from '../resolution/sandbox.lifecycle.js';
import type { Target } from '../resolution/sandbox.resolver.js';
import type { RouteKey } from '../routing/route-key.js';
import { RouteKeyExtractor } from '../routing/route-key.extractor.js';
import { TrustedProxies } from '../routing/trusted-proxies.js';
import { rewriteRequestHeaders } from './forwarded-headers.js';
import { type PathRewrite, pathRewriteFor } from './path-rewrite.js';

/** What a request asked for, before anything was checked: a key, or why it has none. */
export type RouteClaim = { key: RouteKey } | { invalid: unknown };

/** What goes upstream of a request that was let in, wherever it goes. */
export interface UpstreamRequest {
  /** The request's record (its id, and what the attempts and the responder note). */
  readonly record: RequestRecord;
  /** Raw path and query for the upstream. */
  readonly path: string;
  /** The client's headers as the upstream gets them (forwarded, consumed and hop-by-hop done). */
  readonly headers: IncomingHttpHeaders;
}

/** A request for a sandbox: who it is for, where that is, and what to send there. */
export interface Route extends UpstreamRequest {
  readonly key: RouteKey;
  readonly target: Target;
  /** The wait for the upstream's response head: `PROXY_TIMEOUT_SECONDS`, lowered per request. */
  readonly timeoutMs: number;
  /** Path routing: where `Location` and `Set-Cookie` paths go back under. */
  readonly pathRewrite?: PathRewrite;
}

/** How a claim names its destination, as the request record counts it. */
export const kindOf = (claim: RouteClaim): RecordKind => ('key' in claim ? claim.key.kind : 'none');

export const missingRoute = () =>
  new RouterError('ROUTE_MISSING', 'X-Sandbox-ID header is required.');

/**
 * The single path from a raw request to an upstream target, shared by plain HTTP and
 * WebSocket upgrades: route key, router auth, resolution, forwarded headers. The request itself
 * is never changed.
 */
@Injectable()
export class RequestRouter {
  private readonly consumed: ReadonlySet<string>;
  private readonly timeoutMs: number;

  constructor(
    private readonly routeKeys: RouteKeyExtractor,
    private readonly access: AccessControl,
    private readonly trustedProxies: TrustedProxies,
    @Inject(SANDBOX_RESOLVER) private readonly resolver: ResolverChain,
    @Inject(proxyConfig.KEY) private readonly config: ProxyConfig,
    private readonly rate: ClientRateLimit,
    private readonly slots: SandboxSlots,
  ) {
    this.consumed = new Set([
      ...routeKeys.routingHeaders,
      ...access.consumedHeaders,
      SKIP_ACTIVITY_HEADER,
    ]);
    this.timeoutMs = config.timeoutSeconds * 1000;
  }

  /** Undefined when the request names no sandbox at all (it is for the router itself). */
  claim(req: IncomingMessage): RouteClaim | undefined {
    try {
      const key = this.routeKeys.extract(req);
      return key && { key };
    } catch (invalid) {
      return { invalid };
    }
  }

  /**
   * Checks and resolves a claim. Rejects with a RouterError, or a SessionRedirect (auth/) for the
   * front door to answer. Authentication comes first, so an unauthenticated client learns
   * nothing about routes; what needs the target (per-sandbox access) comes after resolution.
   */
  async route(req: IncomingMessage, claim: RouteClaim, record: RequestRecord): Promise<Route> {
    // Before auth: guessing credentials costs tokens too.
    if (this.rate.enabled) this.rate.admit(req);
    const session = this.access.sessionOf(req);
    const grant = this.access.authenticate(req, session);
    if ('invalid' in claim) throw claim.invalid;
    const key = this.access.scope(req, claim.key, grant);
    record.sandbox = key.sandboxId;
    record.namespace = key.namespace;
    const target = await this.resolveWhileConnected(req, key, record, session);
    record.upstream = target.url.host;
    this.access.authorize(req, key, target, session);
    // Keep-alive: traffic moves the sandbox's expiry, unless the client says it is not its user.
    if (target.activity !== undefined && req.headers[SKIP_ACTIVITY_HEADER] !== 'true') {
      record.activity = target.activity;
      target.activity.touch();
    }
    if (this.slots.enabled) this.slots.take(record, target.identity);
    return {
      key,
      target,
      record,
      path: joinPath(
        target.url.pathname,
        this.access.upstreamTarget(key.upstreamPath ?? req.url ?? '/'),
      ),
      headers: this.upstreamHeaders(req, record),
      timeoutMs: key.timeoutSeconds
        ? Math.min(key.timeoutSeconds * 1000, this.timeoutMs)
        : this.timeoutMs,
      pathRewrite: pathRewriteFor(key, target, req.headers),
    };
  }

  /**
   * A request without a route key, for the worker pool: router auth applies as to any other.
   * Throws UNAUTHORIZED, or FORBIDDEN for a credential that names a sandbox.
   */
  admitToPool(req: IncomingMessage, record: RequestRecord): UpstreamRequest {
    if (this.rate.enabled) this.rate.admit(req);
    this.access.admitToPool(req);
    return { record, path: req.url ?? '/', headers: this.upstreamHeaders(req, record) };
  }

  private upstreamHeaders(req: IncomingMessage, record: RequestRecord): IncomingHttpHeaders {
    const peer = this.trustedProxies.peerOf(req);
    return rewriteRequestHeaders(req.headers, {
      requestId: record.requestId,
      peer,
      peerTrusted: this.trustedProxies.isTrusted(peer),
      consumed: this.consumed,
      sessionCookie: this.access.sessionCookie,
      preserveHost: this.config.preserveHost,
      secure: (req.socket as TLSSocket).encrypted,
    });
  }

  /**
   * A held resolution (SPEC §4.4: waiting for a sandbox to be ready or to resume) ends when the
   * client leaves, and a wake first asks for the sandbox's own credential. The abort wiring is
   * made only for a resolver that actually waits, not on every request; the record notes how
   * long it waited (`heldMs`).
   */
  private async resolveWhileConnected(
    req: IncomingMessage,
    key: RouteKey,
    record: RequestRecord,
    session: SessionCredential | undefined,
  ): Promise<Target> {
    let left: AbortController | undefined;
    let heldSinceMs = 0;
    const abort = () => left?.abort();
    const clientGone = () => {
      if (!left) {
        left = new AbortController();
        heldSinceMs = performance.now();
        req.socket.once('close', abort);
      }
      return left.signal;
    };
    try {
      return await this.resolver.resolve(key, {
        clientGone,
        admit: (accessToken) => this.access.admit(req, key, accessToken, session),
      });
    } finally {
      if (left) {
        req.socket.off('close', abort);
        record.heldMs = performance.now() - heldSinceMs;
      }
    }
  }
}

/** The target's base path (a static URL may carry one) joined with the request's raw path. */
function joinPath(base: string, path: string): string {
  const rest = path.startsWith('/') ? path : `/${path}`;
  return base === '/' ? rest : base.replace(/\/$/, '') + rest;
}
