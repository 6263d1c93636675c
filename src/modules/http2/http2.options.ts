import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse, ServerOptions } from 'node:http2';
import type { ServerConfig } from '../config/router.config.js';

/** Streams one client connection may have open at once (Go's net/http default). */
const MAX_CONCURRENT_STREAMS = 250;

/** HTTP/2 settings shared by h2c on the main port and the TLS listener. */
export function http2Options(server: ServerConfig): ServerOptions {
  return {
    settings: {
      maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
      // The same bound as HTTP/1.1's request head (HPACK counts 32 bytes more per header).
      maxHeaderListSize: server.maxHeaderBytes,
    },
  };
}

/**
 * A request of the HTTP/2 or TLS listener goes where the main server's own go (the front door,
 * then Fastify), as Node's compatibility request and response. Routing reads `Host`: an HTTP/2
 * request names its host in `:authority`.
 */
export function serveOn(main: Server) {
  return (req: Http2ServerRequest | IncomingMessage, res: Http2ServerResponse | ServerResponse) => {
    const authority = req.headers[':authority'];
    if (typeof authority === 'string') req.headers.host = authority;
    main.emit('request', req, res);
  };
}
