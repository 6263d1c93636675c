import type { ServerResponse } from 'node:http';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'undici';
import { proxyConfig, type ProxyConfig } from '../config/router.config.js';
import type { Target } from '../resolution/sandbox.resolver.js';
import { type AttemptRequest, UpstreamAttempt } from './upstream.attempt.js';
import { UpstreamConnector } from './upstream.connector.js';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Keep-alive connections to one sandbox at one address, one undici `Client` (one socket, no
 * pipelining) each. A request takes an idle client or a new one, so concurrency is never capped
 * (undici's `Pool` caps it with `connections`); at most `maxIdle` clients are kept when their
 * request is done (httpx's `max_keepalive_connections`, where the agent-sandbox router got it).
 */
export class UpstreamPool {
  private readonly idle: Client[] = [];
  private leased = 0;

  constructor(
    private readonly origin: string,
    private readonly maxIdle: number,
    private readonly options: Client.Options,
  ) {}

  /** Whether each request asks the upstream to close its connection (no pooling at all). */
  get unpooled(): boolean {
    return this.maxIdle === 0;
  }

  /** Most recently used first: the socket least likely to have been closed by the upstream. */
  acquire(): Client {
    this.leased++;
    return this.idle.pop() ?? new Client(this.origin, this.options);
  }

  /** A client whose request completed cleanly goes back, room permitting; others are closed. */
  release(client: Client, reusable: boolean): void {
    this.leased--;
    if (reusable && this.idle.length < this.maxIdle && !client.destroyed && !client.closed) {
      this.idle.push(client);
    } else {
      void client.destroy();
    }
  }

  get unused(): boolean {
    return this.leased === 0 && this.idle.length === 0;
  }

  /** Drops idle clients whose socket the keep-alive timeout (or the upstream) closed. */
  sweep(): void {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const client = this.idle[i];
      if (client.stats.connected) continue;
      this.idle.splice(i, 1);
      void client.destroy();
    }
  }

  close(): void {
    for (const client of this.idle.splice(0)) void client.destroy();
  }
}

/**
 * The upstream pools, one per sandbox identity and origin: a pooled socket is never handed to
 * another sandbox, even when a pod IP is recycled (SPEC §4.6). Connections come from
 * UpstreamConnector (lookup seam, connect timeout, retries). Unused pools are swept.
 */
@Injectable()
export class UpstreamPools implements OnApplicationShutdown {
  private readonly pools = new Map<string, UpstreamPool>();
  private readonly maxIdle: number;
  private readonly options: Client.Options;
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();

  constructor(@Inject(proxyConfig.KEY) config: ProxyConfig, connector: UpstreamConnector) {
    this.maxIdle = config.maxKeepAliveConnections;
    this.options = {
      connect: connector.forUndici,
      // The router's own head timer covers connecting and the head; a body may take forever.
      headersTimeout: 0,
      bodyTimeout: 0,
    };
  }

  /** One attempt to `target`, torn down if `client` goes away before it is complete. */
  attempt(target: Target, request: AttemptRequest, client: ServerResponse): UpstreamAttempt {
    const attempt = new UpstreamAttempt(this.poolFor(target), request);
    // A no-op once the attempt is over (given up, or its response complete).
    client.once('close', () => attempt.abort());
    return attempt;
  }

  private poolFor(target: Target): UpstreamPool {
    const { origin } = target.url;
    const name = `${target.identity}@${origin}`;
    let pool = this.pools.get(name);
    if (!pool) {
      pool = new UpstreamPool(origin, this.maxIdle, this.options);
      this.pools.set(name, pool);
    }
    return pool;
  }

  // After the HTTP server has drained, not before: in-flight requests still use these pools.
  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  private sweep(): void {
    for (const [name, pool] of this.pools) {
      pool.sweep();
      if (pool.unused) this.pools.delete(name);
    }
  }
}
