import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { WorkerHealthChecker } from '../pool/worker.health-checker.js';

/** Not ready until the pool's first round of health checks is in (SPEC §5). */
@Injectable()
export class PoolHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly checker: WorkerHealthChecker,
  ) {}

  check() {
    const indicator = this.indicators.check('pool');
    return this.checker.ready ? indicator.up() : indicator.down({ checked: false });
  }
}
