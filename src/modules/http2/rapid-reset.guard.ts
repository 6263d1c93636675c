import { constants, type Http2Session, type ServerHttp2Stream } from 'node:http2';

export interface RapidResetLimit {
  /** Streams the client may cancel within `windowMs` before its connection is cut. */
  readonly maxResets: number;
  readonly windowMs: number;
}

/**
 * HTTP/2 rapid reset (CVE-2023-44487): a client opens streams and cancels them at once, so each
 * costs the router a routed request while the client's concurrency limit never binds. nghttp2
 * (in Node since October 2023) already answers a flood of RST_STREAM with GOAWAY past a burst of
 * 1000 at 33 per second; this guard is the router's own, lower bound on streams that ended in a
 * reset (the client's RST_STREAM; the router resets only what an upstream reset or a failed
 * call): past it, GOAWAY (ENHANCE_YOUR_CALM) and the connection is closed. A gRPC client
 * cancelling calls now and then stays far below it.
 */
export class RapidResetGuard {
  private windowStartMs = 0;
  private resets = 0;
  private cut = false;

  constructor(
    private readonly session: Http2Session,
    private readonly limit: RapidResetLimit,
  ) {
    session.on('stream', (stream: ServerHttp2Stream) =>
      stream.once('close', () => this.onClose(stream)),
    );
  }

  private onClose(stream: ServerHttp2Stream): void {
    if (!stream.rstCode) return;
    const nowMs = performance.now();
    if (nowMs - this.windowStartMs > this.limit.windowMs) {
      this.windowStartMs = nowMs;
      this.resets = 0;
    }
    if (++this.resets <= this.limit.maxResets || this.cut) return;
    this.cut = true;
    this.session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    // Once the GOAWAY frame is out.
    setImmediate(() => this.session.destroy());
  }
}
