import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import { websocketConfig, type WebSocketConfig } from '../config/router.config.js';
import { acceptedHeaderLines } from './upstream-response.js';

/** What the upstream agreed to, carried into the client leg's 101. */
interface Accepted {
  readonly protocol: string;
  readonly headerLines: string[];
}

/**
 * Answers the client's upgrade once the upstream leg is open, with what the upstream chose:
 * its sub-protocol, `permessage-deflate` only when the upstream accepted it too (two `ws`
 * servers, one per choice), and its 101 headers.
 */
@Injectable()
export class ClientLegAcceptor implements OnApplicationShutdown {
  private readonly accepted = new WeakMap<IncomingMessage, Accepted>();
  private readonly plain: WebSocketServer;
  private readonly deflating: WebSocketServer;

  constructor(@Inject(websocketConfig.KEY) config: WebSocketConfig) {
    const options: ServerOptions = {
      noServer: true,
      clientTracking: false,
      maxPayload: config.maxMessageBytes,
      // Pings and pongs are relayed end to end, not answered by the router.
      autoPong: false,
      // Each end validates its own text; the router passes the bytes through as they came.
      skipUTF8Validation: true,
      handleProtocols: (_offered, req) => this.accepted.get(req)?.protocol || false,
    };
    this.plain = new WebSocketServer({ ...options, perMessageDeflate: false });
    this.deflating = new WebSocketServer({ ...options, perMessageDeflate: true });
    for (const server of [this.plain, this.deflating]) {
      server.on('headers', (headers: string[], req: IncomingMessage) => {
        headers.push(...(this.accepted.get(req)?.headerLines ?? []));
      });
    }
  }

  /**
   * Completes the client's handshake to match the open upstream leg. Undefined when it could
   * not be completed (the client left, or `ws` found the handshake invalid and answered it).
   */
  accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    upstream: { socket: WebSocket; response: IncomingMessage; protocol: string; requestId: string },
  ): WebSocket | undefined {
    this.accepted.set(req, {
      protocol: upstream.protocol,
      headerLines: acceptedHeaderLines(upstream.response, upstream.requestId),
    });
    const server = upstream.socket.extensions.includes('permessage-deflate')
      ? this.deflating
      : this.plain;
    let client: WebSocket | undefined;
    // Synchronous in `ws` when no verifyClient is set: the callback has run (or not) on return.
    server.handleUpgrade(req, socket, head, (ws) => (client = ws));
    return client;
  }

  /** Lets `ws` answer a malformed upgrade (400/405 and its reason), as any WebSocket server would. */
  reject(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.plain.handleUpgrade(req, socket, head, (ws) => ws.terminate());
  }

  onApplicationShutdown(): void {
    // Late upgrades get 503 from `ws` from here on.
    this.plain.close();
    this.deflating.close();
  }
}
