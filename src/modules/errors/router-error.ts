import type { LoggerService } from '@nestjs/common';

/**
 * The closed set of failures the router answers itself (SPEC §6), and the one table that maps
 * each code to its HTTP status.
 */
export const ERROR_STATUS = {
  ROUTE_MISSING: 400,
  ROUTE_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  SANDBOX_NOT_FOUND: 404,
  // A client that did not send its request head within server.headersTimeoutSeconds.
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  // A request head over server.maxHeaderBytes.
  HEADERS_TOO_LARGE: 431,
  UPSTREAM_UNREACHABLE: 502,
  SANDBOX_AMBIGUOUS: 502,
  SANDBOX_NOT_READY: 503,
  NO_HEALTHY_WORKERS: 503,
  ALL_WORKERS_FAILED: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * What a gRPC client gets instead of each HTTP status (SPEC §4.7): INVALID_ARGUMENT,
 * UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, RESOURCE_EXHAUSTED, UNAVAILABLE,
 * DEADLINE_EXCEEDED; anything else UNKNOWN.
 */
const GRPC_STATUS: Readonly<Record<number, number>> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  408: 4,
  413: 8,
  429: 8,
  431: 8,
  502: 14,
  503: 14,
  504: 4,
};
const GRPC_UNKNOWN = 2;

export class RouterError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** The `detail` clients see; the peers' clients match on these strings. */
    readonly detail: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'RouterError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** The gRPC status code answered to a gRPC client. */
  get grpcStatus(): number {
    return GRPC_STATUS[this.status] ?? GRPC_UNKNOWN;
  }
}

export const upstreamUnreachable = (sandbox: string) =>
  new RouterError('UPSTREAM_UNREACHABLE', `Could not connect to the backend sandbox: ${sandbox}`);

export const upstreamTimeout = (sandbox: string) =>
  new RouterError('UPSTREAM_TIMEOUT', `Timed out waiting for the backend sandbox: ${sandbox}`);

/** How an upstream exchange failed, for the metrics (SPEC §5) and the access log. */
export type UpstreamErrorReason = 'refused' | 'reset' | 'timeout' | 'dns' | 'protocol';

const REASONS: Record<string, UpstreamErrorReason> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
};

export function upstreamErrorReason(error: unknown): UpstreamErrorReason {
  const { code, message = '' } = (error ?? {}) as NodeJS.ErrnoException;
  // undici: a socket that closed before the response ended, and not a protocol error ("bad
  // upgrade": a 101 nobody asked for, "bad response").
  if (code === 'UND_ERR_SOCKET') return message.startsWith('bad ') ? 'protocol' : 'reset';
  return REASONS[code ?? ''] ?? 'protocol';
}

/**
 * What a failed upstream exchange (HTTP attempt or WebSocket handshake) means to the client:
 * a timeout (UpstreamConnector giving up connecting within `min(timeout, 5 s)`) is 504;
 * refused, unresolvable, reset and protocol errors are 502.
 */
export const upstreamFailure = (error: unknown, sandbox: string) =>
  upstreamErrorReason(error) === 'timeout'
    ? upstreamTimeout(sandbox)
    : upstreamUnreachable(sandbox);

/**
 * A RouterError as is; anything else is a bug: logged with its stack, answered as a bad gateway
 * so the client still gets the SPEC §6 body.
 */
export function asRouterError(error: unknown, logger: LoggerService): RouterError {
  if (error instanceof RouterError) return error;
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return new RouterError('UPSTREAM_UNREACHABLE', 'Internal router error.');
}
