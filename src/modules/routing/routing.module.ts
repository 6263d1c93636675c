import { Module } from '@nestjs/common';
import { routingConfig, type RoutingConfig } from '../config/router.config.js';
import { HeaderRouteStrategy } from './header.strategy.js';
import type { RouteStrategy } from './route-key.js';
import { RouteKeyExtractor } from './route-key.extractor.js';
import { ROUTE_STRATEGIES } from './routing.constants.js';

const STRATEGIES: Record<RoutingConfig['strategies'][number], (c: RoutingConfig) => RouteStrategy> = {
  header: (config) => new HeaderRouteStrategy(config),
};

@Module({
  providers: [
    {
      provide: ROUTE_STRATEGIES,
      inject: [routingConfig.KEY],
      useFactory: (config: RoutingConfig) => config.strategies.map((name) => STRATEGIES[name](config)),
    },
    RouteKeyExtractor,
  ],
  exports: [RouteKeyExtractor],
})
export class RoutingModule {}
