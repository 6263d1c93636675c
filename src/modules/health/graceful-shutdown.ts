import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:http';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { shutdownConfig, type ShutdownConfig } from '../config/router.config.js';
import { ListenerDrain } from '../http2/listener.drain.js';
import { OpenSocketRegistry } from '../websocket/open-sockets.registry.js';

const GOING_AWAY = [1001, 'server shutting down'] as const;

/**
 * The whole drain timeline (SPEC §8). On SIGTERM readiness fails at once so the Service stops
 * sending traffic; the router keeps serving through `delaySeconds` while endpoints converge;
 * then it stops listening, and in-flight requests and open WebSockets get `graceSeconds` to
 * finish before what is left is cut (WebSockets closed 1001). Without a signal (tests,
 * app.close()) WebSockets are closed at once.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private drainingSince?: Date;
  private graceTimer?: NodeJS.Timeout;

  constructor(
    @Inject(shutdownConfig.KEY) private readonly config: ShutdownConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly sockets: OpenSocketRegistry,
    private readonly listeners: ListenerDrain,
  ) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.drainingSince = new Date();
    // Upgraded sockets keep the listener from closing: without a drain, they go first.
    if (!signal) {
      this.listeners.stopAccepting();
      return this.sockets.closeAll(...GOING_AWAY);
    }
    this.logger.log(`${signal}: draining; new connections refused in ${this.config.delaySeconds}s`);
    await sleep(this.config.delaySeconds * 1000);
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    // HTTP/2 sessions get GOAWAY as the main listener closes; the TLS listener closes with it.
    this.listeners.stopAccepting();
    this.graceTimer = setTimeout(() => {
      server.closeAllConnections();
      this.listeners.cutAll();
      void this.sockets.closeAll(...GOING_AWAY);
    }, this.config.graceSeconds * 1000).unref();
  }

  /** The listener has closed: whatever WebSocket is left goes now. */
  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.graceTimer);
    this.listeners.cutAll();
    await this.sockets.closeAll(...GOING_AWAY);
  }
}
