import type { IncomingMessage } from 'node:http';
import type { RouteKey } from '../routing/route-key.js';
import type { SessionCredential } from './session.credential.js';

/** The router credential mode in force (`auth.mode`), chosen once by routerCredentialsProvider. */
export const ROUTER_CREDENTIALS = Symbol('ROUTER_CREDENTIALS');

/**
 * One `auth.mode`: how a request proves it may use the router at all. Two steps, so that the
 * credential alone decides 401 before anything about the route is looked at, and the route it
 * names decides 403 after.
 */
export interface RouterCredentials<Grant = unknown> {
  /** Whether `Authorization` is the router's (consumed, never forwarded). */
  readonly consumesAuthorization: boolean;
  /**
   * Throws UNAUTHORIZED unless the request's credential is good. `session` (a browser session's
   * cookie or query credential) stands in when the request has no `Authorization` header.
   * Returns what the credential grants, for `scope`.
   */
  authenticate(req: IncomingMessage, session?: SessionCredential): Grant;
  /**
   * The route key as the grant allows it (possibly narrowed); undefined `key` is the worker
   * pool. Throws FORBIDDEN when the grant does not cover it.
   */
  scope(req: IncomingMessage, key: RouteKey | undefined, grant: Grant): RouteKey | undefined;
}

/** The `Bearer` credential of an `Authorization` header, else the session's; '' when malformed. */
export function bearerCredential(
  req: IncomingMessage,
  session: SessionCredential | undefined,
): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return session?.use();
  const match = BEARER.exec(header.trim());
  return match ? match[1].trim() : '';
}

const BEARER = /^Bearer\s+(.+)$/i;
