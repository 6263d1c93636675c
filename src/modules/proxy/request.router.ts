import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { RouterAuth } from '../auth/router-auth.js';
import { RouterError } from '../errors/router-error.js';
import { SANDBOX_RESOLVER } from '../resolution/resolution.constants.js';
import type { ResolverChain } from '../resolution/resolver.chain.js';
import type { Target } from '../resolution/sandbox.resolver.js';
import type { RouteKey } from '../routing/route-key.js';
import { RouteKeyExtractor } from '../routing/route-key.extractor.js';
import { TrustedProxies } from '../routing/trusted-proxies.js';
import { rewriteRequestHeaders } from './forwarded-headers.js';

/** What a request asked for, before anything was checked: a key, or why it has none. */
export type RouteClaim = { key: RouteKey } | { invalid: unknown };

/** A request that may go upstream: who it is for, where that is, and its id. */
export interface Route {
  readonly key: RouteKey;
  readonly target: Target;
  readonly requestId: string;
}

export const missingRoute = () =>
  new RouterError('ROUTE_MISSING', 'X-Sandbox-ID header is required.');

/**
 * The single path from a raw request to an upstream target, shared by plain HTTP and
 * WebSocket upgrades: route key, router auth, resolution, forwarded headers.
 */
@Injectable()
export class RequestRouter {
  private readonly consumed: ReadonlySet<string>;

  constructor(
    private readonly routeKeys: RouteKeyExtractor,
    private readonly auth: RouterAuth,
    private readonly trustedProxies: TrustedProxies,
    @Inject(SANDBOX_RESOLVER) private readonly resolver: ResolverChain,
  ) {
    this.consumed = auth.enabled
      ? new Set([...routeKeys.routingHeaders, 'authorization'])
      : routeKeys.routingHeaders;
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
   * Checks and resolves a claim; rewrites the request's headers for the upstream.
   * Rejects with a RouterError. Authentication comes first, so an unauthenticated client
   * learns nothing about routes.
   */
  async route(req: IncomingMessage, claim: RouteClaim, requestId: string): Promise<Route> {
    this.auth.authorize(req);
    if ('invalid' in claim) throw claim.invalid;
    const target = await this.resolveWhileConnected(req, claim.key);
    const peer = this.trustedProxies.peerOf(req);
    req.headers = rewriteRequestHeaders(req.headers, {
      requestId,
      peer,
      peerTrusted: this.trustedProxies.isTrusted(peer),
      consumed: this.consumed,
    });
    // Path routing: the sandbox sees its own path, the route segments removed (raw, query kept).
    if (claim.key.upstreamPath !== undefined) req.url = claim.key.upstreamPath;
    return { key: claim.key, target, requestId };
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
