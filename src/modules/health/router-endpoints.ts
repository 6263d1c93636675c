import type { IncomingMessage } from 'node:http';

/**
 * The paths of the router's own endpoints (HealthController, RouterInfoController). With a worker
 * pool, every other request without a route key is the pool's, so the front door must know
 * these without asking Fastify.
 */
const ROUTER_ENDPOINTS = new Set(['/', '/healthz', '/readyz', '/status.ok', '/health']);

export function isRouterEndpoint(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return ROUTER_ENDPOINTS.has(query < 0 ? url : url.slice(0, query));
}
