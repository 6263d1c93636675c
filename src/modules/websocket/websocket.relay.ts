import { WebSocket } from 'ws';
import type { RequestRecord } from '../observability/request.record.js';

export interface RelayLimits {
  /** No message either way for this long closes both legs; 0 = never. */
  readonly idleTimeoutMs: number;
  /** Both legs are closed this long after opening, busy or not; 0 = never. */
  readonly maxLifetimeMs: number;
  /** The router pings the upstream leg this often; 0 = never. */
  readonly pingIntervalMs: number;
}

/** A close to send: code and reason, or neither (the peer sees 1005, "no status"). */
type Close = readonly [code?: number, reason?: string | Buffer];

// Above this many bytes queued towards one leg, reading from the other pauses (backpressure).
const HIGH_WATER_BYTES = 1 << 20;
// Marks the router's own pings, so their pongs are not relayed to the client.
const PING_PAYLOAD = Buffer.from('sandbox-router');
// A leg that does not finish the closing handshake in time is cut.
const CLOSE_WAIT_MS = 5_000;

/**
 * One proxied WebSocket: a client leg and an upstream leg, both `ws` sockets. Messages are
 * relayed as they came (text stays text, binary stays binary, whole messages however they were
 * fragmented), pings and pongs end to end, and the first close or failure on either leg closes
 * the other with the same code and reason. Settles `closed` when both legs are down.
 */
export class WebSocketRelay {
  readonly closed: Promise<void>;
  private finished = false;
  /** Epoch ms of the last message either way (idle limit; keep-alive's WebSocket rule). */
  lastMessageAt = Date.now();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly client: WebSocket,
    private readonly upstream: WebSocket,
    private readonly limits: RelayLimits,
    /** Message bytes each way, and the client leg's close code, are noted here. */
    private readonly record: RequestRecord,
  ) {
    const legClosed = (leg: WebSocket) =>
      new Promise<void>((resolve) =>
        leg.readyState === WebSocket.CLOSED ? resolve() : leg.once('close', () => resolve()),
      );
    this.closed = Promise.all([legClosed(client), legClosed(upstream)]).then(() => undefined);

    this.forward(client, upstream);
    this.forward(upstream, client);
    client.on('close', (code, reason) => {
      record.closeCode = code;
      this.legClosed(upstream, closeFor(code, reason, 'upstream'));
    });
    upstream.on('close', (code, reason) =>
      this.legClosed(client, closeFor(code, reason, 'client')),
    );
    client.on('error', (error) => this.legFailed(upstream, error));
    upstream.on('error', (error) => this.legFailed(client, error));
    this.startTimers();
    // Keep-alive counts an open WebSocket as its sandbox's activity while messages flow.
    record.activity?.follow(this);
    // UpstreamDialer hands the upstream leg over paused: what it sent early is relayed now.
    upstream.resume();
  }

  /** Closes both legs with one code and reason (limits, shutdown). */
  end(code: number, reason: string): void {
    if (!this.finish()) return;
    closeLeg(this.client, [code, reason]);
    closeLeg(this.upstream, [code, reason]);
  }

  /** Cuts both legs at once (after a shutdown's close wait). */
  terminate(): void {
    this.finish();
    this.client.terminate();
    this.upstream.terminate();
  }

  private forward(from: WebSocket, to: WebSocket): void {
    const fromClient = from === this.client;
    from.on('message', (data: Buffer, isBinary: boolean) => {
      this.lastMessageAt = Date.now();
      if (fromClient) this.record.bytesIn += data.length;
      else this.record.bytesOut += data.length;
      if (to.readyState !== WebSocket.OPEN) return;
      if (to.bufferedAmount + data.length < HIGH_WATER_BYTES) {
        to.send(data, { binary: isBinary });
        return;
      }
      // Backpressure: stop reading this side until the slow side has taken this message (and so
      // everything queued before it).
      from.pause();
      to.send(data, { binary: isBinary }, () => from.resume());
    });
    from.on('ping', (data: Buffer) => {
      if (to.readyState === WebSocket.OPEN) to.ping(data);
    });
    from.on('pong', (data: Buffer) => {
      if (from === this.upstream && data.equals(PING_PAYLOAD)) return;
      if (to.readyState === WebSocket.OPEN) to.pong(data);
    });
  }

  private startTimers(): void {
    const { idleTimeoutMs, maxLifetimeMs, pingIntervalMs } = this.limits;
    if (maxLifetimeMs > 0) {
      this.timers.push(setTimeout(() => this.end(1001, 'max lifetime exceeded'), maxLifetimeMs));
    }
    if (idleTimeoutMs > 0) this.checkIdleIn(idleTimeoutMs);
    if (pingIntervalMs > 0) {
      this.timers.push(
        setInterval(() => {
          if (this.upstream.readyState === WebSocket.OPEN) this.upstream.ping(PING_PAYLOAD);
        }, pingIntervalMs),
      );
    }
  }

  // One timer re-armed for the remaining quiet time, rather than a timer reset per message.
  private checkIdleIn(delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.splice(this.timers.indexOf(timer), 1);
      const quietMs = Date.now() - this.lastMessageAt;
      if (quietMs >= this.limits.idleTimeoutMs) this.end(1001, 'idle timeout exceeded');
      else this.checkIdleIn(this.limits.idleTimeoutMs - quietMs);
    }, delayMs);
    this.timers.push(timer);
  }

  private legClosed(other: WebSocket, close: Close): void {
    if (this.finish()) closeLeg(other, close);
  }

  /**
   * A protocol failure on one leg (`ws` has already closed that leg with the matching code):
   * the other leg learns why at once, rather than when the failed leg's close completes.
   */
  private legFailed(other: WebSocket, error: Error & { code?: string }): void {
    if (this.finished) return;
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.legClosed(other, [1009, 'message too big']);
    } else if (error.code?.startsWith('WS_ERR_')) {
      this.legClosed(other, [1002, 'protocol error']);
    }
    // Socket errors are followed by 'close' (1006), which closes the other leg.
  }

  private finish(): boolean {
    if (this.finished) return false;
    this.finished = true;
    this.record.activity?.unfollow(this);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
    return true;
  }
}

/**
 * What the other leg is sent when one leg closed with `code`. 1005 (no status) is mirrored as
 * no status; 1006 (connection lost) and 1015 (TLS failure) never appear on the wire, so the
 * other side gets a code that says which leg was lost.
 */
function closeFor(code: number, reason: Buffer, to: 'client' | 'upstream'): Close {
  if (code === 1005) return [];
  if (isSendable(code)) return [code, reason];
  return to === 'client' ? [1011, 'upstream connection lost'] : [1001, 'client connection lost'];
}

// RFC 6455 §7.4: the codes an endpoint may put in a close frame.
const isSendable = (code: number) =>
  (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
  (code >= 3000 && code <= 4999);

function closeLeg(leg: WebSocket, [code, reason]: Close): void {
  if (leg.readyState === WebSocket.OPEN) {
    leg.close(code, reason);
    // `ws` waits 30 s for the peer's close frame; a proxy should not hold a socket that long.
    const timer = setTimeout(() => leg.terminate(), CLOSE_WAIT_MS);
    leg.once('close', () => clearTimeout(timer));
  } else if (leg.readyState === WebSocket.CONNECTING) {
    leg.terminate();
  }
}
