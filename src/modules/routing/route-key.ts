import type { IncomingMessage } from 'node:http';

export type RouteKind = 'header' | 'host' | 'path';

/** What a request names: the sandbox, where in it, and per-request limits it asked for. */
export interface RouteKey {
  readonly kind: RouteKind;
  readonly sandboxId: string;
  /**
   * The namespace the request named (or the agent-sandbox default). Undefined when the route form
   * carries none (OpenSandbox header, host, path): resolvers then look the name up across the
   * watched namespaces, or use `routing.defaultNamespace` where they need one.
   */
  readonly namespace?: string;
  readonly port: number;
  /** A literal pod address the client asked for (agent-sandbox `X-Sandbox-Pod-IP`), already vetted. */
  readonly podIp?: string;
  /** Per-request response-head timeout the client asked for, before capping. */
  readonly timeoutSeconds?: number;
  /** Path strategy: the raw path and query to send upstream, the route segments removed. */
  readonly upstreamPath?: string;
  /** Path strategy: `<prefix>/<sandbox-id>/<port>`, where response paths are put back under. */
  readonly publicPrefix?: string;
  /** Signed host label (SPEC §9): base36 expiry and 9-character signature, not yet verified. */
  readonly expiresB36?: string;
  readonly signature?: string;
}

/** One way of reading a route key from a request. */
export interface RouteStrategy {
  readonly kind: RouteKind;
  /** Lower-case header names this strategy reads; they are never forwarded upstream. */
  readonly headers: readonly string[];
  /**
   * The key, or undefined when the request names no sandbox this way.
   * Throws RouterError ROUTE_MISSING / ROUTE_INVALID when it names one badly.
   */
  extract(req: IncomingMessage): RouteKey | undefined;
}
