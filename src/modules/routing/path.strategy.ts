import type { IncomingMessage } from 'node:http';
import { RouterError } from '../errors/router-error.js';
import { isDnsLabel, parsePort } from './host-label.js';
import type { RouteKey, RouteStrategy } from './route-key.js';

export interface PathStrategyOptions {
  /** `routing.path.prefix`: empty, or starting with `/` and without a trailing `/`. */
  prefix: string;
}

const invalid = () => new RouterError('ROUTE_INVALID', 'Invalid sandbox route path.');

/**
 * OpenSandbox URI mode: `<prefix>/<sandbox-id>/<port>/<rest>` goes to the sandbox as
 * `/<rest>` (or `/`), query kept. Everything works on the raw request target, so `%2F` and
 * `%2E` reach the sandbox as sent.
 *
 * With an empty prefix the router's own endpoints share the path space: a path of fewer
 * than two segments (`/`, `/healthz`) names no sandbox. Under a non-empty prefix every path
 * must name one.
 */
export class PathRouteStrategy implements RouteStrategy {
  readonly kind = 'path';
  readonly headers: readonly string[] = [];

  constructor(private readonly options: PathStrategyOptions) {}

  extract(req: IncomingMessage): RouteKey | undefined {
    const { prefix } = this.options;
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const query = queryAt < 0 ? '' : url.slice(queryAt);
    if (prefix && path !== prefix && !path.startsWith(`${prefix}/`)) return undefined;

    // `/<sandbox-id>/<port>[/<rest>]`
    const route = path.slice(prefix.length);
    const idEnd = route.indexOf('/', 1);
    if (!route.startsWith('/') || idEnd < 0) {
      if (prefix) throw invalid();
      return undefined;
    }
    const portEnd = route.indexOf('/', idEnd + 1);
    const sandboxId = route.slice(1, idEnd);
    const rawPort = route.slice(idEnd + 1, portEnd < 0 ? undefined : portEnd);
    const port = parsePort(rawPort);
    if (port === undefined || !isDnsLabel(sandboxId)) throw invalid();

    return {
      kind: 'path',
      sandboxId,
      port,
      upstreamPath: (portEnd < 0 ? '/' : route.slice(portEnd)) + query,
      publicPrefix: `${prefix}/${sandboxId}/${rawPort}`,
    };
  }
}
