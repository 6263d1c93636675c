import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { websocketConfig, type WebSocketConfig } from '../config/router.config.js';
import { sendErrorOnSocket } from '../errors/error-response.js';
import { asRouterError, RouterError } from '../errors/router-error.js';
import type { RequestRecord } from '../observability/request.record.js';
import { RequestRecords } from '../observability/request.records.js';
import { requestIdOf } from '../proxy/forwarded-headers.js';
import { kindOf, missingRoute, RequestRouter } from '../proxy/request.router.js';
import { TrustedProxies } from '../routing/trusted-proxies.js';
import { clientOffer, isWellFormed } from './client-handshake.js';
import { ClientLegAcceptor } from './client-leg.acceptor.js';
import { OpenSocketRegistry } from './open-sockets.registry.js';
import { type Dialed, UpstreamDialer } from './upstream.dialer.js';
import { passRefusal } from './upstream-response.js';
import { type RelayLimits, WebSocketRelay } from './websocket.relay.js';

/** A guess for when a slot frees up; WebSockets end when their users decide. */
const RATE_LIMIT_RETRY_AFTER_SECONDS = '5';

/**
 * The WebSocket front door: the HTTP server's `upgrade` event. Each upgrade goes through the
 * same RequestRouter as plain HTTP (route key, auth, resolution, forwarded headers); any
 * failure is an ordinary HTTP error on the raw socket. The upstream leg is opened first, then
 * the client's handshake is answered with what the upstream chose, then the two are relayed.
 */
@Injectable()
export class UpgradeHandler implements OnApplicationBootstrap {
  private readonly logger = new Logger(UpgradeHandler.name);
  private readonly limits: RelayLimits;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly router: RequestRouter,
    private readonly trustedProxies: TrustedProxies,
    private readonly dialer: UpstreamDialer,
    private readonly acceptor: ClientLegAcceptor,
    private readonly sockets: OpenSocketRegistry,
    private readonly records: RequestRecords,
    @Inject(websocketConfig.KEY) config: WebSocketConfig,
  ) {
    this.limits = {
      idleTimeoutMs: config.idleTimeoutSeconds * 1000,
      maxLifetimeMs: config.maxLifetimeSeconds * 1000,
      pingIntervalMs: config.pingIntervalSeconds * 1000,
    };
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    // Only WebSocket upgrades get here (`shouldUpgradeCallback` in http.adapter.ts).
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.onUpgrade(req, socket, head);
    });
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Node stops listening for errors on an upgraded socket; a reset then just ends in 'close'.
    socket.on('error', () => undefined);
    if (!isWellFormed(req)) return this.acceptor.reject(req, socket, head);
    const claim = this.router.claim(req) ?? { invalid: missingRoute() };
    const record = this.records.open(req, requestIdOf(req), kindOf(claim), true);
    const client = this.trustedProxies.clientOf(req);
    if (!this.sockets.reserve(client)) return this.refuse(req, socket, tooManyWebSockets(), record);
    const offer = clientOffer(req);
    const gone = new AbortController();
    const onGone = () => gone.abort();
    socket.once('close', onGone);

    let dialed: Dialed;
    try {
      const route = await this.router.route(req, claim, record);
      dialed = await this.dialer.dial(route, offer, gone.signal);
    } catch (error) {
      this.sockets.release(client);
      return this.refuse(req, socket, asRouterError(error, this.logger), record);
    } finally {
      socket.removeListener('close', onGone);
    }

    record.status = dialed.response.statusCode;
    if (dialed.kind === 'refused') {
      return passRefusal(dialed.response, socket, record.requestId, () => {
        dialed.discard();
        this.sockets.release(client);
        this.records.finish(record);
      });
    }
    const upstream = dialed.upstream;
    const clientLeg = this.acceptor.accept(req, socket, head, {
      socket: upstream,
      response: dialed.response,
      protocol: dialed.protocol,
      requestId: record.requestId,
    });
    if (!clientLeg) {
      upstream.terminate();
      this.sockets.release(client);
      record.aborted = true;
      return this.records.finish(record);
    }
    const relay = new WebSocketRelay(clientLeg, upstream, this.limits, record);
    this.sockets.track(relay, client);
    void relay.closed.then(() => this.records.finish(record));
  }

  /** The router's own error on the raw socket, before any upgrade; the record ends with it. */
  private refuse(
    req: IncomingMessage,
    socket: Duplex,
    error: RouterError,
    record: RequestRecord,
  ): void {
    record.failed(error, sendErrorOnSocket(req, socket, error, record.requestId));
    this.records.finish(record);
  }
}

const tooManyWebSockets = () =>
  new RouterError('RATE_LIMITED', 'Too many open WebSockets for this client.', {
    'retry-after': RATE_LIMIT_RETRY_AFTER_SECONDS,
  });
