import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  HttpException,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Registry } from 'prom-client';
import { serverConfig, type ServerConfig } from '../config/router.config.js';
import { METRICS_REGISTRY } from '../observability/metrics.registry.js';
import { Readiness } from './readiness.js';

/**
 * The admin listener (`ADMIN_PORT`, 0 = none): Prometheus text at `/metrics`, and `/healthz` and
 * `/readyz` so the kubelet's probes can stay off the proxy port. A plain `node:http` server of
 * its own: nothing here shares the proxy port's front door, limits or record.
 */
@Injectable()
export class AdminServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdminServer.name);
  private server?: Server;

  constructor(
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly readiness: Readiness,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.adminPort === 0) return;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        this.logger.error(error.stack ?? error.message);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.adminPort, '0.0.0.0', () => resolve());
    });
    this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url?.split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, { status: 'method not allowed' });
    if (path === '/metrics') {
      const text = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType });
      return void res.end(text);
    }
    if (path === '/healthz') return send(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      try {
        return send(res, 200, await this.readiness.check());
      } catch (error) {
        if (!(error instanceof HttpException)) throw error;
        return send(res, error.getStatus(), error.getResponse());
      }
    }
    send(res, 404, { status: 'not found' });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
