import { Injectable } from '@nestjs/common';
import { HealthCheckService } from '@nestjs/terminus';
import { DrainHealthIndicator } from './drain.health.js';
import { InformerHealthIndicator } from './informer.health.js';
import { PoolHealthIndicator } from './pool.health.js';

/** What `/readyz` checks, on the main port and the admin port alike (SPEC §5). */
@Injectable()
export class Readiness {
  constructor(
    private readonly health: HealthCheckService,
    private readonly drain: DrainHealthIndicator,
    private readonly informers: InformerHealthIndicator,
    private readonly pool: PoolHealthIndicator,
  ) {}

  /** Terminus' result; rejects with a 503 exception carrying it when not ready. */
  check() {
    return this.health.check([
      () => this.drain.check(),
      () => this.informers.check(),
      () => this.pool.check(),
    ]);
  }
}
