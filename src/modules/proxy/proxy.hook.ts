import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../errors/error-response.js';
import { RouterError } from '../errors/router-error.js';
import { requestIdOf } from './forwarded-headers.js';
import { HttpProxy } from './http.proxy.js';
import { missingRoute, RequestRouter } from './request.router.js';

/**
 * The front door. A Fastify `onRequest` hook: a request that names a sandbox is taken over
 * (hijacked) before Fastify parses its body and is streamed to the sandbox; anything else goes
 * on to the router's own endpoints, and what matches none of them lacks a route key.
 */
@Injectable()
export class ProxyHook implements OnModuleInit {
  private readonly logger = new Logger(ProxyHook.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly router: RequestRouter,
    private readonly proxy: HttpProxy,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => this.onRequest(request, reply, done));
  }

  private onRequest(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const req = request.raw;
    const claim = this.router.claim(req) ?? (request.is404 ? { invalid: missingRoute() } : undefined);
    if (!claim) return done();
    reply.hijack();
    done();
    const res = reply.raw;
    const requestId = requestIdOf(req);
    this.router
      .route(req, claim, requestId)
      .then((route) => this.proxy.forward(req, res, route))
      .catch((error: unknown) => sendError(req, res, this.asRouterError(error), requestId));
  }

  private asRouterError(error: unknown): RouterError {
    if (error instanceof RouterError) return error;
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return new RouterError('UPSTREAM_UNREACHABLE', 'Internal router error.');
  }
}
