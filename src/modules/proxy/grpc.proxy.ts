import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Injectable } from '@nestjs/common';
import { GrpcCall } from './grpc.call.js';
import { UpstreamH2Sessions } from './h2-upstream.sessions.js';
import type { Route } from './request.router.js';

/**
 * gRPC calls (`application/grpc*` over HTTP/2) go to the sandbox over h2c, on a session pooled
 * for that sandbox; everything else that came over HTTP/2 goes upstream as HTTP/1.1 (HttpProxy).
 */
@Injectable()
export class GrpcProxy {
  constructor(private readonly sessions: UpstreamH2Sessions) {}

  /** Settles once the response head is relayed; rejects with a RouterError before that. */
  forward(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const call = new GrpcCall(
      req as unknown as Http2ServerRequest,
      res as unknown as Http2ServerResponse,
      route,
    );
    return call.start(this.sessions.sessionFor(route.target));
  }
}
