import { Controller, Get, Inject } from '@nestjs/common';
import { readBuildInfo } from '../../build-info.js';
import {
  resolutionConfig,
  type ResolutionConfig,
  routingConfig,
  type RoutingConfig,
} from '../config/router.config.js';
import { WorkerSet } from '../pool/worker.set.js';
import { OpenSocketRegistry } from '../websocket/open-sockets.registry.js';

/**
 * `GET /` (SPEC §5): what this replica is and runs. Answered only to requests without a route
 * key, like every router endpoint. `workers` is the pool's (empty without one).
 */
@Controller()
export class RouterInfoController {
  private readonly version = readBuildInfo().version;

  constructor(
    @Inject(routingConfig.KEY) private readonly routing: RoutingConfig,
    @Inject(resolutionConfig.KEY) private readonly resolution: ResolutionConfig,
    private readonly sockets: OpenSocketRegistry,
    private readonly workers: WorkerSet,
  ) {}

  @Get()
  info() {
    return {
      service: 'sandbox-router',
      version: this.version,
      strategies: this.routing.strategies,
      providers: this.resolution.providers,
      websockets: { open: this.sockets.open },
      workers: this.workers.all,
    };
  }
}
