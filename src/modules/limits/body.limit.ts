import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { proxyConfig, type ProxyConfig } from '../config/router.config.js';
import { RouterError } from '../errors/router-error.js';

export const payloadTooLarge = (maxBytes: number) =>
  new RouterError('PAYLOAD_TOO_LARGE', `Request body larger than ${maxBytes} bytes.`);

/**
 * `proxy.maxBodyBytes`. A declared `Content-Length` over it is refused before any connection to
 * the sandbox is opened. A chunked body is counted where its bytes are already counted, as the
 * attempt sends them (UpstreamAttempt.onBodySent), so the cap adds no stream and buffers
 * nothing: the sandbox sees at most the chunks up to the one that crossed it, then an aborted
 * request.
 */
@Injectable()
export class BodyLimit {
  /** Infinity when off: the attempt's per-chunk check is then one comparison that never holds. */
  readonly maxBytes: number;

  constructor(@Inject(proxyConfig.KEY) config: ProxyConfig) {
    this.maxBytes = config.maxBodyBytes || Infinity;
  }

  /** Throws PAYLOAD_TOO_LARGE for a declared length over the cap. */
  checkDeclared(req: IncomingMessage): void {
    if (this.maxBytes === Infinity) return;
    if (Number(req.headers['content-length']) > this.maxBytes) {
      throw payloadTooLarge(this.maxBytes);
    }
  }
}
