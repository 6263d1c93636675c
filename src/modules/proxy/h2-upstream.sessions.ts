import { type ClientHttp2Session, connect } from 'node:http2';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Target } from '../resolution/sandbox.resolver.js';
import { UpstreamConnector } from './upstream.connector.js';

/** A session with no frame either way for this long is closed. */
const IDLE_TIMEOUT_MS = 60_000;

/**
 * Cleartext HTTP/2 sessions to sandboxes, for gRPC: one per sandbox identity and origin, its
 * streams multiplexed, so a session is never shared with another sandbox, even when a pod IP is
 * recycled (the rule of UpstreamPools). Connections come from UpstreamConnector (lookup seam,
 * connect timeout, retries). A session that closes, fails or is told to go away is forgotten;
 * the next call opens a new one.
 */
@Injectable()
export class UpstreamH2Sessions implements OnApplicationShutdown {
  private readonly sessions = new Map<string, Promise<ClientHttp2Session>>();

  constructor(private readonly connector: UpstreamConnector) {}

  /** Rejects with the connector's error (refused, DNS, timeout). */
  sessionFor(target: Target): Promise<ClientHttp2Session> {
    const name = `${target.identity}@${target.url.origin}`;
    const known = this.sessions.get(name);
    if (known) return known;
    const forget = () => {
      if (this.sessions.get(name) === opening) this.sessions.delete(name);
    };
    const opening = this.open(target.url, forget);
    opening.catch(forget);
    this.sessions.set(name, opening);
    return opening;
  }

  private async open(url: URL, forget: () => void): Promise<ClientHttp2Session> {
    const port = Number(url.port) || 80;
    const socket = await this.connector.connect({ host: url.hostname, port });
    const session = connect(url.origin, { createConnection: () => socket });
    // Each stream meets the failure itself; the session just goes.
    session.on('error', forget);
    session.once('close', forget);
    session.once('goaway', forget);
    session.setTimeout(IDLE_TIMEOUT_MS, () => session.close());
    return session;
  }

  onApplicationShutdown(): void {
    for (const opening of this.sessions.values()) {
      opening.then(
        (session) => session.destroy(),
        () => undefined,
      );
    }
    this.sessions.clear();
  }
}
