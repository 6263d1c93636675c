import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { RouterAuth } from '../auth/router-auth.js';
import { proxyConfig, type ProxyConfig } from '../config/router.config.js';
import { RouterError } from '../errors/router-error.js';
import type { RecordKind, RequestRecord } from '../observability/request.record.js';
import { SANDBOX_RESOLVER } from '../resolution/resolution.constants.js';
import type { ResolverChain } from '../resolution/resolver.chain.js';
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
    private readonly auth: RouterAuth,
    private readonly trustedProxies: TrustedProxies,
    @Inject(SANDBOX_RESOLVER) private readonly resolver: ResolverChain,
    @Inject(proxyConfig.KEY) private readonly config: ProxyConfig,
  ) {
    this.consumed = auth.enabled
      ? new Set([...routeKeys.routingHeaders, 'authorization'])
      : routeKeys.routingHeaders;
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
   * Checks and resolves a claim. Rejects with a RouterError. Authentication comes first, so an
   * unauthenticated client learns nothing about routes.
   */
  async route(req: IncomingMessage, claim: RouteClaim, record: RequestRecord): Promise<Route> {
    this.auth.authorize(req);
    if ('invalid' in claim) throw claim.invalid;
    const { key } = claim;
    record.sandbox = key.sandboxId;
    record.namespace = key.namespace;
    const target = await this.resolveWhileConnected(req, key);
    record.upstream = target.url.host;
    return {
      key,
      target,
      record,
      path: joinPath(target.url.pathname, key.upstreamPath ?? req.url ?? '/'),
      headers: this.upstreamHeaders(req, record),
      timeoutMs: key.timeoutSeconds
        ? Math.min(key.timeoutSeconds * 1000, this.timeoutMs)
        : this.timeoutMs,
      pathRewrite: pathRewriteFor(key, target, req.headers),
    };
  }

  /**
   * A request without a route key, for the worker pool: router auth applies as to any other.
   * Throws UNAUTHORIZED.
   */
  admitToPool(req: IncomingMessage, record: RequestRecord): UpstreamRequest {
    this.auth.authorize(req);
    return { record, path: req.url ?? '/', headers: this.upstreamHeaders(req, record) };
  }

  private upstreamHeaders(req: IncomingMessage, record: RequestRecord): IncomingHttpHeaders {
    const peer = this.trustedProxies.peerOf(req);
    return rewriteRequestHeaders(req.headers, {
      requestId: record.requestId,
      peer,
      peerTrusted: this.trustedProxies.isTrusted(peer),
      consumed: this.consumed,
      preserveHost: this.config.preserveHost,
    });
  }

  /**
   * A held resolution (SPEC §4.4: waiting for a sandbox to be ready) ends when the client leaves.
   * The abort wiring is made only for a resolver that actually waits, not on every request.
   */
  private async resolveWhileConnected(req: IncomingMessage, key: RouteKey): Promise<Target> {
    let left: AbortController | undefined;
    const abort = () => left?.abort();
    const clientGone = () => {
      if (!left) {
        left = new AbortController();
        req.socket.once('close', abort);
      }
      return left.signal;
    };
    try {
      return await this.resolver.resolve(key, clientGone);
    } finally {
      if (left) req.socket.off('close', abort);
    }
  }
}

/** The target's base path (a static URL may carry one) joined with the request's raw path. */
function joinPath(base: string, path: string): string {
  const rest = path.startsWith('/') ? path : `/${path}`;
  return base === '/' ? rest : base.replace(/\/$/, '') + rest;
}
