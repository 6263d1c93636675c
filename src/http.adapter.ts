import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyServerFactoryHandler } from 'fastify';

const HEADERS_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 75_000;

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

  constructor() {
    const door: { handler?: FrontDoor } = {};
    super({
      serverFactory: (fastifyHandler: FastifyServerFactoryHandler) =>
        createServer(
          {
            // 0: long uploads and downloads are the product; slow clients are bounded by
            // headersTimeout.
            requestTimeout: 0,
            headersTimeout: HEADERS_TIMEOUT_MS,
            keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
            // Only WebSocket upgrades reach the `upgrade` event (WebSocketModule); others, such
            // as h2c, stay ordinary requests whose Upgrade header the proxy drops.
            shouldUpgradeCallback: (req) => req.headers.upgrade?.toLowerCase() === 'websocket',
          },
          (req, res) => {
            if (!door.handler?.(req, res)) fastifyHandler(req, res);
          },
        ),
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

/** The one HTTP set-up, shared by main.ts and the e2e tests. */
export const http = () => new RouterHttpAdapter();
