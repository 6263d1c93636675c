import { Inject, Injectable } from '@nestjs/common';
import { websocketConfig, type WebSocketConfig } from '../config/router.config.js';
import type { WebSocketRelay } from './websocket.relay.js';

/** How long closing relays get to finish their closing handshakes before they are cut. */
const CLOSE_WAIT_MS = 2_000;

/**
 * The open WebSockets: how many (GET /, metrics), how many per client
 * (`WEBSOCKET_MAX_CONNECTIONS_PER_CLIENT`), and each one, so shutdown can close them.
 * A client's slot is taken when its upgrade starts, so parallel handshakes cannot overrun the cap.
 */
@Injectable()
export class OpenSocketRegistry {
  private readonly relays = new Set<WebSocketRelay>();
  private readonly perClient = new Map<string, number>();
  private readonly maxPerClient: number;

  constructor(@Inject(websocketConfig.KEY) config: WebSocketConfig) {
    this.maxPerClient = config.maxConnectionsPerClient;
  }

  /** Proxied WebSockets whose legs are not both closed yet. */
  get open(): number {
    return this.relays.size;
  }

  /** Takes one of the client's slots; false when the client is at its cap. */
  reserve(client: string): boolean {
    const used = this.perClient.get(client) ?? 0;
    if (this.maxPerClient > 0 && used >= this.maxPerClient) return false;
    this.perClient.set(client, used + 1);
    return true;
  }

  release(client: string): void {
    const used = (this.perClient.get(client) ?? 1) - 1;
    if (used > 0) this.perClient.set(client, used);
    else this.perClient.delete(client);
  }

  /** Counts a relay as open until both its legs are closed, then frees the client's slot. */
  track(relay: WebSocketRelay, client: string): void {
    this.relays.add(relay);
    void relay.closed.then(() => {
      this.relays.delete(relay);
      this.release(client);
    });
  }

  /**
   * Closes every open relay with `code`/`reason`; cuts those that have not finished their
   * closing handshake after `waitMs`.
   */
  async closeAll(code: number, reason: string, waitMs = CLOSE_WAIT_MS): Promise<void> {
    const relays = [...this.relays];
    if (relays.length === 0) return;
    for (const relay of relays) relay.end(code, reason);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(relays.map((relay) => relay.closed)), waited]);
    clearTimeout(timer);
    for (const relay of this.relays) relay.terminate();
    await Promise.all(relays.map((relay) => relay.closed));
  }
}
