import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:http';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { shutdownConfig, type ShutdownConfig } from '../config/router.config.js';

/**
 * SIGTERM (SPEC §8): readiness fails at once so the Service stops sending traffic, the router
 * keeps serving through `delaySeconds` while endpoints converge, then in-flight requests and
 * WebSockets get `graceSeconds` to finish before the remaining connections are cut.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private drainingSince?: Date;

  constructor(
    @Inject(shutdownConfig.KEY) private readonly config: ShutdownConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.drainingSince = new Date();
    if (!signal) return;
    this.logger.log(`${signal}: draining; new connections refused in ${this.config.delaySeconds}s`);
    await sleep(this.config.delaySeconds * 1000);
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    setTimeout(() => server.closeAllConnections(), this.config.graceSeconds * 1000).unref();
  }
}
