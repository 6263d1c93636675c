import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { RouteKey, RouteStrategy } from './route-key.js';
import { ROUTE_STRATEGIES } from './routing.constants.js';

/** Tries the configured strategies in order; the first that finds a key wins. */
@Injectable()
export class RouteKeyExtractor {
  /** Every header any strategy reads: routing headers are never forwarded. */
  readonly routingHeaders: ReadonlySet<string>;

  constructor(@Inject(ROUTE_STRATEGIES) private readonly strategies: RouteStrategy[]) {
    this.routingHeaders = new Set(strategies.flatMap((strategy) => strategy.headers));
  }

  extract(req: IncomingMessage): RouteKey | undefined {
    for (const strategy of this.strategies) {
      const key = strategy.extract(req);
      if (key) return key;
    }
    return undefined;
  }
}
