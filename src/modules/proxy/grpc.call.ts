import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import {
  RouterError,
  upstreamErrorReason,
  upstreamFailure,
  upstreamTimeout,
  upstreamUnreachable,
} from '../errors/router-error.js';
import { grpcMessage } from '../errors/grpc-status.js';
import type { RequestRecord } from '../observability/request.record.js';
import { grpcTimeoutMs } from './grpc-timeout.js';
import { H2DataRelay } from './h2-data.relay.js';
import type { Route } from './request.router.js';

const { NGHTTP2_CANCEL, NGHTTP2_FLAG_END_STREAM, NGHTTP2_NO_ERROR } = constants;
const DEADLINE_EXCEEDED = '4';

/**
 * One gRPC call relayed over an upstream HTTP/2 stream, both directions at once, with HTTP/2 flow
 * control end to end (H2DataRelay each way, so a full side stops reading the other). `head`
 * settles once the upstream's response head has been relayed, or rejects with a RouterError
 * before that (connect failure, reset, the head timeout, the client's deadline): the caller
 * answers it as a gRPC status. Trailers are relayed as they came. The client's `grpc-timeout`
 * ends the call with DEADLINE_EXCEEDED and cancels the upstream stream; the head timeout
 * (`PROXY_TIMEOUT_SECONDS`, `X-Sandbox-Timeout`) bounds only the wait for the head.
 */
export class GrpcCall {
  readonly head: Promise<void>;
  private settle!: () => void;
  private reject!: (error: RouterError) => void;
  private settled = false;
  private readonly client: ServerHttp2Stream;
  private readonly record: RequestRecord;
  private readonly headTimer: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  private upstream?: ClientHttp2Stream;
  private responseRelay?: H2DataRelay;

  constructor(
    private readonly req: Http2ServerRequest,
    /** Its stream is written directly; Node's compatibility layer sends what it is given as trailers. */
    private readonly res: Http2ServerResponse,
    private readonly route: Route,
  ) {
    this.head = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.reject = reject;
    });
    this.client = req.stream;
    this.record = route.record;
    this.record.attempts++;
    this.headTimer = setTimeout(() => this.fail(this.timeout()), route.timeoutMs);
    const deadlineMs = grpcTimeoutMs(req.headers['grpc-timeout']);
    if (deadlineMs !== undefined) {
      this.deadlineTimer = setTimeout(() => this.deadlineExceeded(), deadlineMs);
    }
    this.client.once('close', this.onClientClose);
  }

  /** Sends the call on `session` (once connected), unless it is already over. */
  start(session: Promise<ClientHttp2Session>): Promise<void> {
    session.then(
      (open) => this.send(open),
      (error: unknown) => {
        this.record.upstreamError = upstreamErrorReason(error);
        this.fail(upstreamFailure(error, this.route.key.sandboxId));
      },
    );
    return this.head;
  }

  private send(session: ClientHttp2Session): void {
    if (this.settled) return;
    this.record.connectMs = performance.now() - this.record.startedMs;
    const endStream = this.client.endAfterHeaders;
    const upstream = session.request(this.upstreamHeaders(), { endStream });
    this.upstream = upstream;
    upstream.on('response', this.onResponse);
    upstream.on('trailers', (trailers: IncomingHttpHeaders) =>
      this.res.addTrailers(plain(trailers)),
    );
    upstream.on('error', () => undefined);
    upstream.once('close', this.onUpstreamClose);
    if (endStream) return;
    // The stream itself, not the compatibility request wrapped around it: one stream layer less.
    new H2DataRelay({ from: this.client, to: upstream, record: this.record, field: 'bytesIn' });
  }

  private readonly onResponse = (headers: IncomingHttpHeaders, flags: number): void => {
    const upstream = this.upstream!;
    clearTimeout(this.headTimer);
    this.record.headMs = performance.now() - this.record.startedMs;
    const status = Number(headers[':status']);
    this.record.status = status;
    const head = { ...plain(headers), ':status': status, 'x-request-id': this.record.requestId };
    this.settled = true;
    if (flags & NGHTTP2_FLAG_END_STREAM) {
      // Trailers-only (an error status at once): one HEADERS frame, as the upstream sent it.
      this.client.respond(head, { endStream: true });
      return this.settle();
    }
    this.client.respond(head, { waitForTrailers: true });
    this.responseRelay = new H2DataRelay({
      from: upstream,
      to: this.client,
      record: this.record,
      field: 'bytesOut',
    });
    this.settle();
  };

  /** The upstream stream ended, cleanly or by a reset; a reset is passed on to the client. */
  private readonly onUpstreamClose = (): void => {
    const code = this.upstream!.rstCode ?? NGHTTP2_NO_ERROR;
    if (!this.settled) {
      this.record.upstreamError = 'reset';
      return this.fail(upstreamUnreachable(this.route.key.sandboxId));
    }
    if (code !== NGHTTP2_NO_ERROR && !this.client.closed) this.client.close(code);
  };

  /** The client cancelled or left: so does the upstream stream. */
  private readonly onClientClose = (): void => {
    clearTimeout(this.deadlineTimer);
    this.cancelUpstream();
    // Every call ends here: an error (and its stack) only for one that had no answer yet.
    if (!this.settled) this.fail(upstreamUnreachable(this.route.key.sandboxId));
  };

  private deadlineExceeded(): void {
    this.cancelUpstream();
    if (!this.settled) return this.fail(this.timeout());
    this.responseRelay?.stop();
    this.res.addTrailers({
      'grpc-status': DEADLINE_EXCEEDED,
      'grpc-message': grpcMessage('Deadline exceeded'),
    });
    if (!this.client.writableEnded) this.client.end();
  }

  private timeout(): RouterError {
    this.record.upstreamError = 'timeout';
    return upstreamTimeout(this.route.key.sandboxId);
  }

  /** Before the head: the call fails with `error`. Afterwards a no-op. */
  private fail(error: RouterError): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.headTimer);
    clearTimeout(this.deadlineTimer);
    this.cancelUpstream();
    this.reject(error);
  }

  private cancelUpstream(): void {
    const upstream = this.upstream;
    if (upstream && !upstream.closed) upstream.close(NGHTTP2_CANCEL);
  }

  private upstreamHeaders(): OutgoingHttpHeaders {
    const { headers, path, target } = this.route;
    const out: OutgoingHttpHeaders = {
      ':method': this.req.method,
      ':scheme': 'http',
      ':path': path,
      ':authority': headers.host ?? target.url.host,
    };
    for (const name in headers) if (name !== 'host') out[name] = headers[name];
    // Dropped as hop-by-hop on the way in; gRPC servers want it.
    out.te = 'trailers';
    return out;
  }
}

/** Headers or trailers less pseudo-headers (and Node's symbol-keyed bookkeeping). */
function plain(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) if (name[0] !== ':') out[name] = headers[name];
  return out;
}
