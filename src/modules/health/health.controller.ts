import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DrainHealthIndicator } from './drain.health.js';
import { InformerHealthIndicator } from './informer.health.js';

/** Answered only to requests that name no sandbox: a sandbox's own /healthz is proxied. */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly drain: DrainHealthIndicator,
    private readonly informers: InformerHealthIndicator,
  ) {}

  /** Liveness (kubelet, agent-sandbox). */
  @Get('healthz')
  liveness() {
    return { status: 'ok' };
  }

  /** Liveness as the OpenSandbox ingress answers it. */
  @Get('status.ok')
  @Header('content-type', 'text/plain; charset=utf-8')
  statusOk() {
    return 'OK';
  }

  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([() => this.drain.check(), () => this.informers.check()]);
  }
}
