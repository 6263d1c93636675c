import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DrainHealthIndicator } from './drain.health.js';
import { WorkerSet } from '../pool/worker.set.js';
import { InformerHealthIndicator } from './informer.health.js';
import { PoolHealthIndicator } from './pool.health.js';

/** Answered only to requests that name no sandbox: a sandbox's own /healthz is proxied. */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly drain: DrainHealthIndicator,
    private readonly informers: InformerHealthIndicator,
    private readonly pool: PoolHealthIndicator,
    private readonly workers: WorkerSet,
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
    return this.health.check([
      () => this.drain.check(),
      () => this.informers.check(),
      () => this.pool.check(),
    ]);
  }

  /** The SandboxFusion router's health: always 200, the verdict in the body. */
  @Get('health')
  poolHealth() {
    const total = this.workers.all.length;
    const healthy = this.workers.healthyCount;
    return {
      status: healthy > 0 ? 'healthy' : 'unhealthy',
      total_workers: total,
      healthy_workers: healthy,
    };
  }
}
