import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck } from '@nestjs/terminus';
import { WorkerSet } from '../pool/worker.set.js';
import { Readiness } from './readiness.js';

/** Answered only to requests that name no sandbox: a sandbox's own /healthz is proxied. */
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
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
  ready() {
    return this.readiness.check();
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
