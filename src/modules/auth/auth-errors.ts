import { RouterError } from '../errors/router-error.js';

/**
 * The router's access-control answers. Each kind has one fixed `detail` whatever the reason (a
 * wrong signature, an expired token, a missing header), so the body is no oracle; the log says
 * which reason it was.
 */

const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer' };

/** SPEC §6, the shared bearer token: no `Bearer <token>` at all. */
export const bearerMissing = () =>
  new RouterError('UNAUTHORIZED', 'Missing or invalid Authorization header.', BEARER_CHALLENGE);

/** SPEC §6, the shared bearer token: a `Bearer` credential that is not the token. */
export const bearerInvalid = () =>
  new RouterError('UNAUTHORIZED', 'Invalid token.', BEARER_CHALLENGE);

/** agent-sandbox scoped tokens: missing, malformed, badly signed or expired. */
export const scopedTokenRejected = () =>
  new RouterError('UNAUTHORIZED', 'Missing or invalid scoped token.', BEARER_CHALLENGE);

/** OpenSandbox secure access: header, signature or session missing, wrong or expired. */
export const secureAccessRejected = () =>
  new RouterError('UNAUTHORIZED', 'Missing or invalid secure access credential.');

/**
 * A signed route to a secure sandbox on a router without `auth.secureAccessKeys`: the router
 * cannot check it. 503 as the issue says; SANDBOX_NOT_READY is the table's 503 that means "this
 * sandbox cannot be served now" (the others are the worker pool's). No `Retry-After`: it takes
 * an operator, not time.
 */
export const signedRoutesUnconfigured = () =>
  new RouterError('SANDBOX_NOT_READY', 'Signed routes are not configured on this router.');

/** A valid credential for another sandbox, a dial-target override, a foreign Origin. */
export const forbidden = () => new RouterError('FORBIDDEN', 'Access to this sandbox is forbidden.');
