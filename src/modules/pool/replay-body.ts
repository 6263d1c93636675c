import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { payloadTooLarge } from '../limits/body.limit.js';
import { hasBody } from '../proxy/http.proxy.js';

/** A request body as the pool sends it: bytes it can send again, or the stream, once. */
export interface PoolBody {
  readonly data: Buffer | Readable | null;
  readonly replayable: boolean;
}

export interface BodyCaps {
  /** `pool.maxReplayBodyBytes`: held in memory up to this. */
  readonly replayBytes: number;
  /** `proxy.maxBodyBytes` (Infinity: none): a chunked body found larger while held is 413. */
  readonly maxBytes: number;
}

/**
 * Reads a body of at most `replayBytes` into memory, so a failed attempt can be replayed on
 * another worker byte for byte (SPEC §3.5, the one place the router holds a request body). A
 * larger one (by its Content-Length, or found out while reading a chunked one) is streamed to a
 * single worker: what was read so far, then the rest. Rejects with PAYLOAD_TOO_LARGE when the
 * body grows past `maxBytes` while held; past that, the attempt counts (UpstreamAttempt).
 */
export function readReplayableBody(
  req: IncomingMessage,
  { replayBytes, maxBytes }: BodyCaps,
): Promise<PoolBody> {
  if (!hasBody(req)) return Promise.resolve({ data: null, replayable: true });
  if (Number(req.headers['content-length']) > replayBytes) {
    return Promise.resolve({ data: req, replayable: false });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes > maxBytes) return onError(payloadTooLarge(maxBytes));
      if (bytes <= replayBytes) return;
      stop();
      const rest = new PassThrough();
      for (const held of chunks) rest.write(held);
      req.pipe(rest);
      resolve({ data: rest, replayable: false });
    };
    const onEnd = () => {
      stop();
      resolve({ data: Buffer.concat(chunks, bytes), replayable: true });
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    // A client that leaves mid-body ends the wait: nobody is left to answer.
    const onClose = () => onError(new Error('the client left before its request body ended'));
    const stop = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
