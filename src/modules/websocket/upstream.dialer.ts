import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { WebSocket, type ClientOptions } from 'ws';
import { websocketConfig, type WebSocketConfig } from '../config/router.config.js';
import {
  type RouterError,
  upstreamErrorReason,
  upstreamFailure,
  upstreamTimeout,
  upstreamUnreachable,
} from '../errors/router-error.js';
import type { Route } from '../proxy/request.router.js';
import { UpstreamConnector } from '../proxy/upstream.connector.js';
import { type ClientOffer, upstreamHeaders } from './client-handshake.js';

/**
 * The upstream's answer to the handshake: a socket (paused, so no message is emitted before
 * someone listens), or an HTTP response that refused it.
 */
export type Dialed =
  | {
      readonly kind: 'open';
      readonly upstream: WebSocket;
      readonly response: IncomingMessage;
      /** The sub-protocol the upstream chose ('' for none). */
      readonly protocol: string;
    }
  | {
      readonly kind: 'refused';
      readonly response: IncomingMessage;
      /** Frees the upstream connection once the response has been passed on. */
      readonly discard: () => void;
    };

type Oncreate = (error: Error | null, socket?: Socket) => void;

/**
 * Opens the upstream leg with a `ws` client before the client's upgrade is answered, so the
 * upstream's sub-protocol and extension choices (or its refusal) can be passed back. Every
 * connection goes through UpstreamConnector, hence the UPSTREAM_LOOKUP seam. The handshake is
 * bounded by `PROXY_TIMEOUT_SECONDS` (lowered by `X-Sandbox-Timeout`); an open socket is not.
 */
@Injectable()
export class UpstreamDialer {
  constructor(
    @Inject(websocketConfig.KEY) private readonly config: WebSocketConfig,
    private readonly connector: UpstreamConnector,
  ) {}

  /** Rejects with RouterError: 502 when unreachable, 504 when the handshake timed out. */
  dial(route: Route, offer: ClientOffer, signal: AbortSignal): Promise<Dialed> {
    const { key, target, record } = route;
    record.attempts++;
    const secure = target.url.protocol === 'https:';
    const origin = `${secure ? 'wss' : 'ws'}://${target.url.host}`;

    return new Promise<Dialed>((resolve, reject) => {
      let settled = false;
      let response: IncomingMessage | undefined;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      const fail = (error: RouterError) => {
        if (!settle()) return;
        upstream.terminate();
        reject(error);
      };
      const onAbort = () => fail(upstreamUnreachable(key.sandboxId));

      const options: ClientOptions = {
        headers: upstreamHeaders(route.headers, this.config.stripOrigin) as Record<string, string>,
        perMessageDeflate: offer.deflate,
        maxPayload: this.config.maxMessageBytes,
        // Pings and pongs are relayed end to end, not answered by the router.
        autoPong: false,
        // Each end validates its own text; the router passes the bytes through as they came.
        skipUTF8Validation: true,
        followRedirects: false,
        createConnection: ((opts: { host: string; port: string | number }, oncreate: Oncreate) => {
          this.connector.connect({ host: opts.host, port: Number(opts.port), secure }).then(
            (socket) => {
              record.connectMs = performance.now() - record.startedMs;
              oncreate(null, socket);
            },
            (error: Error) => oncreate(error),
          );
          return undefined;
        }) as unknown as ClientOptions['createConnection'],
        // `ws` would send the WHATWG-normalised path; the sandbox gets it raw, as over HTTP.
        finishRequest: (request: ClientRequest) => {
          request.path = route.path;
          request.end();
        },
      };
      const upstream = new WebSocket(origin, offer.protocols, options);
      const timer = setTimeout(() => {
        record.upstreamError = 'timeout';
        fail(upstreamTimeout(key.sandboxId));
      }, route.timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });

      let protocol = '';
      upstream.once('upgrade', (res: IncomingMessage) => {
        record.headMs = performance.now() - record.startedMs;
        response = res;
        protocol = res.headers['sec-websocket-protocol'] ?? '';
        // `ws`, like browsers, fails a handshake in which the server chose none of the offered
        // sub-protocols. A proxy passes that choice on instead and lets the client's own rules
        // apply; the upstream leg itself does not care which sub-protocol it carries.
        if (!protocol && offer.protocols.length > 0) {
          res.headers['sec-websocket-protocol'] = offer.protocols[0];
        }
      });
      upstream.once('open', () => {
        // Frames that came with (or right after) the 101 would otherwise be emitted before the
        // relay listens; WebSocketRelay resumes the leg once it does.
        upstream.pause();
        if (settle()) resolve({ kind: 'open', upstream, response: response!, protocol });
      });
      upstream.once('unexpected-response', (_request, res) => {
        record.headMs = performance.now() - record.startedMs;
        if (settle())
          resolve({ kind: 'refused', response: res, discard: () => upstream.terminate() });
        else res.destroy();
      });
      upstream.on('error', (error) => {
        if (!settled) record.upstreamError = upstreamErrorReason(error);
        fail(upstreamFailure(error, key.sandboxId));
      });
    });
  }
}
