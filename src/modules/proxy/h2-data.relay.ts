import type { Readable, Writable } from 'node:stream';
import type { RequestRecord } from '../observability/request.record.js';

export interface RelayEnds {
  readonly from: Readable;
  readonly to: Writable;
  /** Counts the relayed bytes. */
  readonly record: RequestRecord;
  readonly field: 'bytesIn' | 'bytesOut';
}

/**
 * One direction of a gRPC call: the DATA of one HTTP/2 stream written to another, with flow
 * control end to end (a full destination stops reading the source, so no window update goes
 * back), like `pipe` but cheaper per call. The writes of one event-loop turn are corked and
 * released at the end of the turn, or by the source's end: Node shuts a stream's writable side
 * with its last write only when `end()` comes before that write is handed on, so a message
 * followed by END_STREAM (a unary request) leaves as one DATA frame carrying END_STREAM, as the
 * client sent it, rather than that frame and an empty one after it.
 */
export class H2DataRelay {
  private corked = false;

  private readonly from: Readable;
  private readonly to: Writable;

  constructor(private readonly ends: RelayEnds) {
    this.from = ends.from;
    this.to = ends.to;
    this.from.on('data', this.onData);
    this.from.once('end', this.onEnd);
  }

  /** Relays nothing more; the destination is left open (the caller ends it its own way). */
  stop(): void {
    this.from.off('data', this.onData);
    this.from.off('end', this.onEnd);
    this.to.off('drain', this.onDrain);
    this.from.pause();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.ends.record[this.ends.field] += chunk.length;
    if (!this.corked) {
      this.corked = true;
      this.to.cork();
      setImmediate(this.uncork);
    }
    // Paused already: a drain is awaited.
    if (!this.to.write(chunk) && !this.from.isPaused()) {
      this.from.pause();
      this.to.once('drain', this.onDrain);
    }
  };

  private readonly uncork = (): void => {
    this.corked = false;
    if (this.to.writableCorked) this.to.uncork();
  };

  private readonly onDrain = (): void => {
    this.from.resume();
  };

  private readonly onEnd = (): void => {
    // end() uncorks: the last write and the end go down together.
    if (!this.to.writableEnded && !this.to.destroyed) this.to.end();
  };
}
