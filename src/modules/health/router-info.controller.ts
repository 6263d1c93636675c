import { Controller, Get, Inject } from '@nestjs/common';
import { readBuildInfo } from '../../build-info.js';
import {
  resolutionConfig,
  type ResolutionConfig,
  routingConfig,
  type RoutingConfig,
} from '../config/router.config.js';
import { OpenSocketRegistry } from '../websocket/open-sockets.registry.js';

/**
 * `GET /` (SPEC §5): what this replica is and runs. Answered only to requests without a route
 * key, like every router endpoint. `workers` joins when the pool exists.
 */
@Controller()
export class RouterInfoController {
  private readonly version = readBuildInfo().version;

  constructor(
    @Inject(routingConfig.KEY) private readonly routing: RoutingConfig,
    @Inject(resolutionConfig.KEY) private readonly resolution: ResolutionConfig,
    private readonly sockets: OpenSocketRegistry,
  ) {}

  @Get()
  info() {
    return {
      service: 'sandbox-router',
      version: this.version,
      strategies: this.routing.strategies,
      providers: this.resolution.providers,
      websockets: { open: this.sockets.open },
    };
  }
}
