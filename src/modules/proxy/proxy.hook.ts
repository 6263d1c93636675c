import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RouterAuth } from '../auth/router-auth.js';
import { sendError } from '../errors/error-response.js';
import { RouterError } from '../errors/router-error.js';
import { SANDBOX_RESOLVER } from '../resolution/resolution.constants.js';
import type { ResolverChain } from '../resolution/resolver.chain.js';
import type { RouteKey } from '../routing/route-key.js';
import { RouteKeyExtractor } from '../routing/route-key.extractor.js';
import { requestIdOf, rewriteRequestHeaders } from './forwarded-headers.js';
import { HttpProxy } from './http.proxy.js';
import { TrustedProxies } from './trusted-proxies.js';

const missingRoute = () => new RouterError('ROUTE_MISSING', 'X-Sandbox-ID header is required.');

/**
 * The front door. A Fastify `onRequest` hook: a request that names a sandbox is taken over
 * (hijacked) before Fastify parses its body and is streamed to the sandbox; anything else goes
 * on to the router's own endpoints, and what matches none of them is a missing route key.
 */
@Injectable()
export class ProxyHook implements OnModuleInit {
  private readonly logger = new Logger(ProxyHook.name);
  private readonly consumedWithAuth: ReadonlySet<string>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly routeKeys: RouteKeyExtractor,
    private readonly auth: RouterAuth,
    private readonly trustedProxies: TrustedProxies,
    private readonly proxy: HttpProxy,
    @Inject(SANDBOX_RESOLVER) private readonly resolver: ResolverChain,
  ) {
    this.consumedWithAuth = auth.enabled
      ? new Set([...routeKeys.routingHeaders, 'authorization'])
      : routeKeys.routingHeaders;
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => this.onRequest(request, reply, done));
  }

  private onRequest(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const req = request.raw;
    let key: RouteKey | undefined;
    let invalid: unknown;
    try {
      key = this.routeKeys.extract(req);
    } catch (error) {
      invalid = error;
    }
    if (!key && !invalid) {
      if (!request.is404) return done();
      invalid = missingRoute();
    }
    reply.hijack();
    done();
    const requestId = requestIdOf(req);
    this.route(req, reply.raw, key, invalid, requestId).catch((error: unknown) =>
      sendError(req, reply.raw, this.asRouterError(error), requestId),
    );
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    key: RouteKey | undefined,
    invalid: unknown,
    requestId: string,
  ): Promise<void> {
    // Authentication comes first, so an unauthenticated client learns nothing about routes.
    this.auth.authorize(req);
    if (invalid || !key) throw invalid ?? missingRoute();
    const target = await this.resolver.resolve(key);
    const peer = this.trustedProxies.peerOf(req);
    rewriteRequestHeaders(req.headers, {
      requestId,
      peer,
      peerTrusted: this.trustedProxies.isTrusted(peer),
      consumed: this.consumedWithAuth,
    });
    await this.proxy.forward(req, res, { key, target, requestId });
  }

  private asRouterError(error: unknown): RouterError {
    if (error instanceof RouterError) return error;
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return new RouterError('UPSTREAM_UNREACHABLE', 'Internal router error.');
  }
}
