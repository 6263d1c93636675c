import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InformerRegistry } from '../kubernetes/informer.registry.js';

/** Not ready until every configured informer has listed its resources once (SPEC §3, §5). */
@Injectable()
export class InformerHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly informers: InformerRegistry,
  ) {}

  check() {
    const indicator = this.indicators.check('informers');
    const unsynced = this.informers.unsynced();
    return unsynced.length ? indicator.down({ unsynced }) : indicator.up();
  }
}
