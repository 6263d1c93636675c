import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { RouterHttpAdapter } from '../../http.adapter.js';
import { SessionRedirect } from '../auth/session-redirect.js';
import { asRouterError } from '../errors/router-error.js';
import { isRouterEndpoint } from '../health/router-endpoints.js';
import type { RecordKind, RequestRecord } from '../observability/request.record.js';
import { RequestRecords } from '../observability/request.records.js';
import { requestIdOf } from './forwarded-headers.js';
import { HttpProxy } from './http.proxy.js';
import { respondWithError } from './http.responder.js';
import {
  kindOf,
  missingRoute,
  type RouteClaim,
  RequestRouter,
  type UpstreamRequest,
} from './request.router.js';

/** Serves requests without a route key when a worker pool is configured (pool/). */
export interface PoolForwarder {
  forward(req: IncomingMessage, res: ServerResponse, upstream: UpstreamRequest): Promise<void>;
}

/**
 * The front door. A request that names a sandbox is taken from the server before Fastify sees it
 * and streamed to the sandbox, body unparsed; with a worker pool, so is one that names none and
 * is not for the router's own endpoints. Everything else goes on to those endpoints, and what
 * matches none of them lacks a route key (400 ROUTE_MISSING). Each request taken here has one
 * record, finished when the response ends or the client goes away.
 */
@Injectable()
export class ProxyHook implements OnModuleInit {
  private readonly logger = new Logger(ProxyHook.name);
  private pool?: PoolForwarder;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly router: RequestRouter,
    private readonly proxy: HttpProxy,
    private readonly records: RequestRecords,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!(adapter instanceof RouterHttpAdapter)) {
      throw new Error('sandbox-router runs on RouterHttpAdapter (src/http.adapter.ts)');
    }
    adapter.useFrontDoor((req, res) => {
      const claim = this.router.claim(req);
      if (claim) {
        this.dispatch(req, res, claim);
        return true;
      }
      const pool = this.pool;
      if (!pool || isRouterEndpoint(req)) return false;
      this.serve(req, res, 'pool', async (record) =>
        pool.forward(req, res, this.router.admitToPool(req, record)),
      );
      return true;
    });
    // Matched no endpoint of the router's own: a missing route key, answered like any other.
    adapter.getInstance<FastifyInstance>().addHook('onRequest', (request, reply, done) => {
      if (!request.is404) return done();
      reply.hijack();
      done();
      this.dispatch(request.raw, reply.raw, { invalid: missingRoute() });
    });
  }

  /** Requests without a route key go to `pool` from now on (PoolModule, when configured). */
  usePool(pool: PoolForwarder): void {
    this.pool = pool;
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, claim: RouteClaim): void {
    this.serve(req, res, kindOf(claim), (record) =>
      this.router.route(req, claim, record).then((route) => this.proxy.forward(req, res, route)),
    );
  }

  /**
   * Opens the request's record, runs `forward`, and answers a rejection with the error body (or
   * a browser session's redirect).
   */
  private serve(
    req: IncomingMessage,
    res: ServerResponse,
    kind: RecordKind,
    forward: (record: RequestRecord) => Promise<void>,
  ): void {
    const record = this.records.open(req, requestIdOf(req), kind);
    if (this.records.observed) {
      res.once('close', () => {
        record.aborted = !res.writableFinished;
        this.records.finish(record);
      });
    }
    forward(record).catch((error: unknown) =>
      error instanceof SessionRedirect
        ? error.send(res, record)
        : respondWithError(req, res, asRouterError(error, this.logger), record),
    );
  }
}
