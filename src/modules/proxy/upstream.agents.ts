import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { proxyConfig, type ProxyConfig } from '../config/router.config.js';
import type { Target } from '../resolution/sandbox.resolver.js';
import type { RouteKey } from '../routing/route-key.js';
import { UpstreamConnector } from './upstream.connector.js';

const SWEEP_INTERVAL_MS = 60_000;
/** Upper bound for an idle pooled socket; Node also honours the upstream's Keep-Alive hint. */
const IDLE_SOCKET_MS = 60_000;

/** An agent whose connections come from the UpstreamConnector (lookup seam, timeout, retries). */
class ConnectorAgent extends Agent {
  constructor(
    options: AgentOptions,
    private readonly connector: UpstreamConnector,
  ) {
    super(options);
  }

  override createConnection(
    options: ClientRequestArgs,
    callback: (err: Error | null, socket?: Duplex) => void,
  ): undefined {
    const host = String(options.host ?? options.hostname ?? 'localhost');
    this.connector.connect({ host, port: Number(options.port) }).then(
      (socket) => callback(null, socket),
      (error: Error) => callback(error),
    );
    return undefined;
  }
}

/**
 * Keep-alive pools to upstreams, one per sandbox and address: a pooled socket is never handed
 * to another sandbox, even when a pod IP is recycled. Empty pools are swept.
 */
@Injectable()
export class UpstreamAgents implements OnApplicationShutdown {
  private readonly pools = new Map<string, Agent>();
  private readonly unpooled?: Agent;
  private readonly sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(proxyConfig.KEY) private readonly config: ProxyConfig,
    private readonly connector: UpstreamConnector,
  ) {
    if (config.maxKeepAliveConnections === 0) {
      this.unpooled = new ConnectorAgent({ keepAlive: false }, connector);
    } else {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
    }
  }

  agentFor(key: RouteKey, target: Target): Agent {
    if (this.unpooled) return this.unpooled;
    const name = `${key.namespace ?? '*'}/${key.sandboxId}@${target.url.host}`;
    let agent = this.pools.get(name);
    if (!agent) {
      agent = new ConnectorAgent(
        {
          keepAlive: true,
          maxFreeSockets: this.config.maxKeepAliveConnections,
          timeout: IDLE_SOCKET_MS,
          scheduling: 'lifo',
        },
        this.connector,
      );
      this.pools.set(name, agent);
    }
    return agent;
  }

  // After the HTTP server has drained, not before: in-flight requests still use these pools.
  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    for (const agent of this.pools.values()) agent.destroy();
    this.pools.clear();
    this.unpooled?.destroy();
  }

  private sweep(): void {
    for (const [name, agent] of this.pools) {
      if (isEmpty(agent.sockets) && isEmpty(agent.freeSockets) && isEmpty(agent.requests)) {
        agent.destroy();
        this.pools.delete(name);
      }
    }
  }
}

const isEmpty = (record: object) => Object.keys(record).length === 0;
