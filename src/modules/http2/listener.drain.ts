import type { Http2SecureServer, Http2Server, Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { Injectable } from '@nestjs/common';
import { RapidResetGuard } from './rapid-reset.guard.js';

/** Client streams cancelled per second past which a connection is cut (see RapidResetGuard). */
const RAPID_RESET_LIMIT = { maxResets: 200, windowMs: 1_000 };

/**
 * What the main server's own draining does not reach: HTTP/2 sessions (h2c on the main port and
 * any on the TLS port) and the TLS listener with its HTTP/1.1 connections. GracefulShutdown stops
 * them accepting when the main listener closes (GOAWAY: open streams go on, new ones are
 * refused) and cuts what is left when the grace period ends. Every session gets a rapid-reset
 * guard here.
 */
@Injectable()
export class ListenerDrain {
  private readonly sessions = new Set<Http2Session>();
  private readonly sockets = new Set<Socket>();
  private readonly listeners: Http2SecureServer[] = [];
  private stopped = false;

  /** The sessions of an h2c server whose listening socket is someone else's (the main port). */
  track(server: Http2Server | Http2SecureServer): void {
    server.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      new RapidResetGuard(session, RAPID_RESET_LIMIT);
      if (this.stopped) session.close();
    });
  }

  /** A listener of its own (TLS): its sessions, its HTTP/1.1 sockets, and the listener itself. */
  own(server: Http2SecureServer): void {
    this.track(server);
    this.listeners.push(server);
    server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** No new connections or streams; open streams and requests go on. */
  stopAccepting(): void {
    this.stopped = true;
    for (const listener of this.listeners.splice(0)) listener.close();
    for (const session of this.sessions) session.close();
  }

  /** Whatever is still open is cut. */
  cutAll(): void {
    this.stopAccepting();
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
  }
}
