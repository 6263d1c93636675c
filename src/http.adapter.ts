import { FastifyAdapter } from '@nestjs/platform-fastify';

const HEADERS_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 75_000;

/** The one Fastify set-up, shared by main.ts and the e2e tests. */
export function http(): FastifyAdapter {
  return new FastifyAdapter({
    // Proxied bodies are never parsed; these bound only what the router itself reads.
    bodyLimit: 1024 * 1024,
    // 0: long uploads and downloads are the product; slow clients are bounded by headersTimeout.
    requestTimeout: 0,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    http: {
      headersTimeout: HEADERS_TIMEOUT_MS,
      // Only WebSocket upgrades reach the `upgrade` event (WebSocketModule); others, such as
      // h2c, stay ordinary requests whose Upgrade header the proxy drops.
      shouldUpgradeCallback: (req) => req.headers.upgrade?.toLowerCase() === 'websocket',
    },
    // Draining is ours (GracefulShutdown), including for requests already routed.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });
}
