import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { GracefulShutdown } from './graceful-shutdown.js';

@Injectable()
export class DrainHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: GracefulShutdown,
  ) {}

  check() {
    const indicator = this.indicators.check('shutdown');
    return this.shutdown.draining ? indicator.down({ draining: true }) : indicator.up();
  }
}
