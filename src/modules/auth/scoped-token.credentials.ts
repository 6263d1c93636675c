import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import type { Clock } from '../clock/clock.js';
import type { RouteKey } from '../routing/route-key.js';
import { forbidden, scopedTokenRejected } from './auth-errors.js';
import { bearerCredential, type RouterCredentials } from './router-credentials.js';
import { type ScopedClaims, ScopedTokenVerifier } from './scoped-token.js';
import type { SessionCredential } from './session.credential.js';

export interface ScopedTokenOptions {
  /** `auth.scopedTokenSecret`, trimmed (at least 32 bytes, checked at start-up). */
  readonly secret: string;
  readonly clock: Clock;
  /** `routing.defaultNamespace`: the namespace of a route form that names none. */
  readonly defaultNamespace: string;
}

/**
 * `auth.mode: scoped-token`, the agent-sandbox router's per-sandbox tokens (SPEC §9): a bad,
 * malformed or expired token is 401 before the route is looked at; a good one for another
 * sandbox, or with a header that would move the dial target after this check, is 403.
 */
export class ScopedTokenCredentials implements RouterCredentials<ScopedClaims> {
  readonly consumesAuthorization = true;
  private readonly logger = new Logger(ScopedTokenCredentials.name);
  private readonly verifier: ScopedTokenVerifier;

  constructor(private readonly options: ScopedTokenOptions) {
    this.verifier = new ScopedTokenVerifier(options.secret);
  }

  authenticate(req: IncomingMessage, session?: SessionCredential): ScopedClaims {
    const token = bearerCredential(req, session);
    const claims = token ? this.verifier.verify(token) : 'no token';
    if (typeof claims === 'string') return this.reject(claims);
    // Expired from the `exp` second on, as the agent-sandbox router has it.
    if (this.options.clock.now() >= claims.exp * 1000) return this.reject('expired');
    if (session?.used) session.expiresAt(claims.exp);
    return claims;
  }

  scope(req: IncomingMessage, key: RouteKey | undefined, claims: ScopedClaims): RouteKey {
    // A scoped token names a sandbox: the worker pool is none.
    if (!key) return this.deny('a scoped token for the worker pool');
    const { headers } = req;
    if (headers['x-sandbox-pod-ip'] !== undefined || headers['x-sandbox-uid'] !== undefined) {
      return this.deny('a dial-target header with a scoped token');
    }
    const namespace = key.namespace ?? this.options.defaultNamespace;
    if (claims.ns !== namespace || claims.name !== key.sandboxId) {
      return this.deny('a scoped token for another sandbox');
    }
    // Pinned, so a route form without a namespace cannot resolve the name in another one.
    return key.namespace === undefined ? { ...key, namespace } : key;
  }

  private reject(reason: string): never {
    this.logger.debug(`401: scoped token refused (${reason})`);
    throw scopedTokenRejected();
  }

  private deny(reason: string): never {
    this.logger.debug(`403: ${reason}`);
    throw forbidden();
  }
}
