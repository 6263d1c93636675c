import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyServerFactoryHandler } from 'fastify';
import { type RouterConfig, routerConfigSchema } from './modules/config/config.schema.js';
import {
  answerClientError,
  answerFrameworkError,
} from './modules/limits/client-error.responder.js';

/** `server.*`: what the listener allows a client (slow and oversized clients, idle keep-alive). */
export type ListenerLimits = RouterConfig['server'];

/**
 * How often Node looks for requests past `headersTimeout` (default 30 s, which would let a
 * short header timeout run up to 30 s late).
 */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Takes a request before Fastify sees it; answers false to hand it on to Fastify. */
export type FrontDoor = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Fastify on a server the router owns. A request that names a sandbox is proxied straight from the
 * server's `request` event: Fastify's routing, Nest's six adapter hooks and the request/reply
 * objects cost about a third of the throughput of a proxied request, and a proxied request
 * needs none of them. Everything else (the router's own endpoints) is Fastify's and Nest's.
 */
export class RouterHttpAdapter extends FastifyAdapter {
  private readonly door: { handler?: FrontDoor };

  constructor(limits: ListenerLimits) {
    const door: { handler?: FrontDoor } = {};
    const headersTimeoutMs = limits.headersTimeoutSeconds * 1000;
    super({
      serverFactory: (fastifyHandler: FastifyServerFactoryHandler) =>
        createServer(
          {
            // 0: long uploads and downloads are the product; slow clients are bounded by
            // headersTimeout.
            requestTimeout: 0,
            headersTimeout: headersTimeoutMs,
            connectionsCheckingInterval: Math.min(headersTimeoutMs, MAX_TIMEOUT_CHECK_INTERVAL_MS),
            keepAliveTimeout: limits.keepAliveTimeoutSeconds * 1000,
            // Over it: 431 (answerClientError).
            maxHeaderSize: limits.maxHeaderBytes,
            // Only WebSocket upgrades reach the `upgrade` event (WebSocketModule); others, such
            // as h2c, stay ordinary requests whose Upgrade header the proxy drops.
            shouldUpgradeCallback: (req) => req.headers.upgrade?.toLowerCase() === 'websocket',
          },
          (req, res) => {
            if (!door.handler?.(req, res)) fastifyHandler(req, res);
          },
        ).on('clientError', answerClientError),
      // A router endpoint's URL Fastify cannot decode: the router's 400, not Fastify's.
      frameworkErrors: answerFrameworkError,
      // Proxied bodies are never parsed; this bounds only what the router itself reads.
      bodyLimit: 1024 * 1024,
      // Draining is ours (GracefulShutdown), including for requests already routed.
      return503OnClosing: false,
      forceCloseConnections: 'idle',
    });
    this.door = door;
  }

  /** Installs the handler that sees every request first (ProxyHook). */
  useFrontDoor(handler: FrontDoor): void {
    this.door.handler = handler;
  }
}

/** The one HTTP set-up, shared by main.ts and the e2e tests; `server.*` defaults unless given. */
export const http = (limits: ListenerLimits = routerConfigSchema.shape.server.parse(undefined)) =>
  new RouterHttpAdapter(limits);
