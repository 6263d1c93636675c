import type { IncomingMessage } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouteKey } from '../routing/route-key.js';
import { bearerInvalid, bearerMissing } from './auth-errors.js';
import { bearerCredential, type RouterCredentials } from './router-credentials.js';
import type { SessionCredential } from './session.credential.js';

// Comparing fixed-length digests keeps the compare constant-time whatever the token length.
const digest = (token: string) => createHash('sha256').update(token).digest();

/** `auth.mode: bearer`, the agent-sandbox router's one shared token (`ROUTER_AUTH_TOKEN`). */
export class BearerCredentials implements RouterCredentials<void> {
  readonly consumesAuthorization = true;
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  authenticate(req: IncomingMessage, session?: SessionCredential): void {
    const token = bearerCredential(req, session);
    if (!token) throw bearerMissing();
    if (!timingSafeEqual(digest(token), this.expected)) throw bearerInvalid();
  }

  scope(_req: IncomingMessage, key: RouteKey | undefined): RouteKey | undefined {
    return key;
  }
}
