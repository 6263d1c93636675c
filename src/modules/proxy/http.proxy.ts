import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import type { ProxyServer } from 'httpxy';
import { proxyConfig, type ProxyConfig } from '../config/router.config.js';
import { sendError } from '../errors/error-response.js';
import { type RouterError, upstreamTimeout, upstreamUnreachable } from '../errors/router-error.js';
import type { Target } from '../resolution/sandbox.resolver.js';
import { rewriteResponseHeaders } from './forwarded-headers.js';
import { type PathRewrite, pathRewriteFor, rewriteResponsePaths } from './path-rewrite.js';
import type { Route } from './request.router.js';
import { UpstreamAgents } from './upstream.agents.js';

/** One proxied request's state, from the resolved target to the response head. */
interface Exchange {
  readonly requestId: string;
  readonly sandbox: string;
  readonly target: Target;
  readonly agent: Agent;
  readonly timeoutMs: number;
  /** Path routing: where `Location` and `Set-Cookie` paths go back under. */
  readonly pathRewrite?: PathRewrite;
  headTimer?: NodeJS.Timeout;
  proxyReq?: ClientRequest;
  /** A failure the router decided (a timeout, a protocol error) rather than the socket. */
  failure?: RouterError;
}

const EXCHANGE = Symbol('exchange');
type ExchangeRequest = IncomingMessage & { [EXCHANGE]?: Exchange };

/**
 * Streams one request to its target with http-proxy-middleware and maps every upstream failure
 * to a coded error. Bodies are piped, never buffered; `PROXY_TIMEOUT_SECONDS` bounds only the
 * wait for the response head, so long streams are never cut.
 */
@Injectable()
export class HttpProxy {
  private readonly middleware: RequestHandler;
  private readonly timeoutMs: number;

  constructor(
    @Inject(proxyConfig.KEY) config: ProxyConfig,
    private readonly agents: UpstreamAgents,
  ) {
    this.timeoutMs = config.timeoutSeconds * 1000;
    this.middleware = createProxyMiddleware({
      changeOrigin: !config.preserveHost,
      // Our own listeners replace the defaults: they answer 504 for refused connections and
      // their proxyTimeout is an idle timeout that would also cut SSE.
      ejectPlugins: true,
      router: (req, _res, options) => {
        const exchange = exchangeOf(req);
        options.agent = exchange.agent;
        return exchange.target.url;
      },
      plugins: [(server) => this.listen(server)],
    });
  }

  /** Forwards a request whose headers are already rewritten; resolves when the proxy took it. */
  forward(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const { key, target, requestId } = route;
    const requested = key.timeoutSeconds ? key.timeoutSeconds * 1000 : this.timeoutMs;
    const exchange: Exchange = {
      requestId,
      sandbox: key.sandboxId,
      target,
      agent: this.agents.agentFor(key, target),
      timeoutMs: Math.min(requested, this.timeoutMs),
      pathRewrite: pathRewriteFor(key, target, req.headers),
    };
    (req as ExchangeRequest)[EXCHANGE] = exchange;
    // Cleared by the response head, or by the error or client reset that httpxy reports when
    // either side goes away first.
    exchange.headTimer = setTimeout(
      () => this.fail(req, res, upstreamTimeout(exchange.sandbox)),
      exchange.timeoutMs,
    );
    return this.middleware(req, res);
  }

  private listen(server: ProxyServer): void {
    server.on('proxyReq', (proxyReq, req, res) =>
      this.onProxyReq(proxyReq, req, res as ServerResponse),
    );
    server.on('proxyRes', (proxyRes, req, res) => {
      const exchange = exchangeOf(req);
      clearTimeout(exchange.headTimer);
      proxyRes.headers = rewriteResponseHeaders(proxyRes.headers);
      if (exchange.pathRewrite) rewriteResponsePaths(proxyRes.headers, exchange.pathRewrite);
      // Otherwise httpxy would echo the client's (already removed) Connection header.
      proxyRes.headers.connection = (res as ServerResponse).shouldKeepAlive
        ? 'keep-alive'
        : 'close';
      proxyRes.headers['x-request-id'] = exchange.requestId;
    });
    server.on('error', (error, req, res) => {
      if (!req || !res) return;
      const { sandbox } = exchangeOf(req);
      // ETIMEDOUT: UpstreamConnector gave up connecting within min(timeout, 5 s).
      const timedOut = (error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
      this.fail(
        req,
        res as ServerResponse,
        timedOut ? upstreamTimeout(sandbox) : upstreamUnreachable(sandbox),
      );
    });
    // The client went away first; httpxy already tore the upstream request down.
    server.on('econnreset', (_error, req) => clearTimeout(exchangeOf(req).headTimer));
  }

  private onProxyReq(proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse): void {
    const exchange = exchangeOf(req);
    exchange.proxyReq = proxyReq;
    if (exchange.failure) {
      // Timed out while the connection was being set up: the client already has its 504.
      proxyReq.destroy();
      return;
    }
    // A 101 to a request that asked for no upgrade is a broken upstream (SPEC §4.6).
    proxyReq.once('upgrade', (_response: IncomingMessage, socket: Socket) => {
      socket.destroy();
      this.fail(req, res, upstreamUnreachable(exchange.sandbox));
    });
  }

  /**
   * Settles an exchange with the router's own answer, once: the first failure wins (a timeout
   * destroys the upstream request, whose error must not answer again).
   */
  private fail(req: IncomingMessage, res: ServerResponse, error: RouterError): void {
    const exchange = exchangeOf(req);
    if (exchange.failure) return;
    exchange.failure = error;
    clearTimeout(exchange.headTimer);
    exchange.proxyReq?.destroy();
    sendError(req, res, error, exchange.requestId);
  }
}

function exchangeOf(req: IncomingMessage): Exchange {
  return (req as ExchangeRequest)[EXCHANGE]!;
}
