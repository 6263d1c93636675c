import { Module } from '@nestjs/common';
import { routingConfig, type RoutingConfig } from '../config/router.config.js';
import { HeaderRouteStrategy } from './header.strategy.js';
import { HostRouteStrategy } from './host.strategy.js';
import { OpenSandboxHeaderRouteStrategy } from './opensandbox-header.strategy.js';
import { PathRouteStrategy } from './path.strategy.js';
import type { RouteStrategy } from './route-key.js';
import { RouteKeyExtractor } from './route-key.extractor.js';
import { ROUTE_STRATEGIES } from './routing.constants.js';
import { TrustedProxies } from './trusted-proxies.js';

type StrategyFactory = (config: RoutingConfig, trusted: TrustedProxies) => RouteStrategy[];

const STRATEGIES: Record<RoutingConfig['strategies'][number], StrategyFactory> = {
  // One name, two dialects: agent-sandbox `X-Sandbox-*` first, then OpenSandbox's header.
  header: (config) => [new HeaderRouteStrategy(config), new OpenSandboxHeaderRouteStrategy()],
  host: ({ host }, trusted) => [
    new HostRouteStrategy({
      domains: host.domains,
      format: host.format,
      requestedHost: (req) => trusted.requestedHost(req),
    }),
  ],
  path: ({ path }) => [new PathRouteStrategy(path)],
};

@Module({
  providers: [
    TrustedProxies,
    {
      provide: ROUTE_STRATEGIES,
      inject: [routingConfig.KEY, TrustedProxies],
      useFactory: (config: RoutingConfig, trusted: TrustedProxies) =>
        config.strategies.flatMap((name) => STRATEGIES[name](config, trusted)),
    },
    RouteKeyExtractor,
  ],
  exports: [RouteKeyExtractor, TrustedProxies],
})
export class RoutingModule {}
