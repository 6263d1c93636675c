import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { BodyLimit } from '../limits/body.limit.js';
import { respond } from './http.responder.js';
import type { Route } from './request.router.js';
import { UpstreamPools } from './upstream.pools.js';

/**
 * Forwards a routed request on one attempt and answers with its outcome. Bodies are streamed,
 * never buffered; `PROXY_TIMEOUT_SECONDS` bounds only the wait for the response head, so long
 * streams are never cut. A client that leaves tears the upstream request down.
 */
@Injectable()
export class HttpProxy {
  constructor(
    private readonly pools: UpstreamPools,
    private readonly bodyLimit: BodyLimit,
  ) {}

  async forward(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    this.bodyLimit.checkDeclared(req);
    const attempt = this.pools.attempt(
      route.target,
      {
        method: req.method ?? 'GET',
        path: route.path,
        headers: route.headers,
        body: hasBody(req) ? req : null,
        timeoutMs: route.timeoutMs,
        sandbox: route.key.sandboxId,
        record: route.record,
        maxBodyBytes: this.bodyLimit.maxBytes,
      },
      res,
    );
    respond(req, res, await attempt.outcome, route);
  }
}

/** Node has parsed the framing: a body follows when the client sent a length or chunks. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (!!length && length !== '0');
}
