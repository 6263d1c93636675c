import type { IncomingMessage } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { authConfig, type AuthConfig } from '../config/router.config.js';
import { RouterError } from '../errors/router-error.js';

const BEARER = /^Bearer\s+(.+)$/i;
const CHALLENGE = { 'www-authenticate': 'Bearer' };

// Comparing fixed-length digests keeps the compare constant-time whatever the token length.
const digest = (token: string) => createHash('sha256').update(token).digest();

/** agent-sandbox router auth: one shared bearer token (`ROUTER_AUTH_TOKEN`). */
@Injectable()
export class RouterAuth {
  private readonly expected?: Buffer;

  constructor(@Inject(authConfig.KEY) { token }: AuthConfig) {
    if (token) this.expected = digest(token);
  }

  /** Whether the router consumes `Authorization` itself (and so never forwards it). */
  get enabled(): boolean {
    return this.expected !== undefined;
  }

  /** Throws UNAUTHORIZED unless the request carries the router's token. */
  authorize(req: IncomingMessage): void {
    if (!this.expected) return;
    const match = BEARER.exec(req.headers.authorization?.trim() ?? '');
    if (!match) {
      throw new RouterError('UNAUTHORIZED', 'Missing or invalid Authorization header.', CHALLENGE);
    }
    if (!timingSafeEqual(digest(match[1].trim()), this.expected)) {
      throw new RouterError('UNAUTHORIZED', 'Invalid token.', CHALLENGE);
    }
  }
}
