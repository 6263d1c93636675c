import type { IncomingMessage } from 'node:http';
import type { RouteKey } from '../routing/route-key.js';
import type { RouterCredentials } from './router-credentials.js';

/** `auth.mode: none` (with `ALLOW_UNAUTHENTICATED_ROUTER`): `Authorization` is the sandbox's. */
export class NoCredentials implements RouterCredentials<void> {
  readonly consumesAuthorization = false;

  authenticate(): void {}

  scope(_req: IncomingMessage, key: RouteKey | undefined): RouteKey | undefined {
    return key;
  }
}
