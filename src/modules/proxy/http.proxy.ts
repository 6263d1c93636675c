import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { Injectable } from '@nestjs/common';
import { isGrpcRequest } from '../errors/grpc-status.js';
import { BodyLimit } from '../limits/body.limit.js';
import { GrpcProxy } from './grpc.proxy.js';
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
    private readonly grpc: GrpcProxy,
  ) {}

  async forward(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    this.bodyLimit.checkDeclared(req);
    if (isGrpcRequest(req)) return this.grpc.forward(req, res, route);
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
  // HTTP/2 has no framing headers: a body follows unless the HEADERS frame ended the stream.
  if (req.httpVersionMajor === 2)
    return !(req as unknown as Http2ServerRequest).stream.endAfterHeaders;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (!!length && length !== '0');
}
