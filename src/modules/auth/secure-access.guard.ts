import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../clock/clock.js';
import { parseSecureAccessKeys } from '../config/auth.schema.js';
import { authConfig, type AuthConfig } from '../config/router.config.js';
import type { RouteKey } from '../routing/route-key.js';
import { secureAccessRejected, signedRoutesUnconfigured } from './auth-errors.js';
import { sameString } from './constant-time.js';
import { routeSignatureHex } from './route-signature.js';
import type { SessionCredential } from './session.credential.js';

export const SECURE_ACCESS_HEADER = 'opensandbox-secure-access';

/**
 * OpenSandbox per-sandbox access (SPEC §9), for a sandbox whose resource carries a secure-access
 * token: the `OpenSandbox-Secure-Access` header when sent (even empty; no fallback), else a
 * valid signed route, else the browser session's credential, else 401.
 */
@Injectable()
export class SecureAccessGuard {
  private readonly logger = new Logger(SecureAccessGuard.name);
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    @Inject(authConfig.KEY) auth: AuthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    // Validated at start-up (auth.schema.ts): only good keys remain here.
    this.keys = parseSecureAccessKeys(auth.secureAccessKeys).keys;
  }

  /** Throws UNAUTHORIZED, or 503 for a signed route this router has no keys to check. */
  check(req: IncomingMessage, key: RouteKey, token: string, session?: SessionCredential): void {
    const header = req.headers[SECURE_ACCESS_HEADER];
    if (header !== undefined) {
      if (sameString(String(header).trim(), token)) return;
      return this.reject('OpenSandbox-Secure-Access does not match');
    }
    if (key.signature !== undefined && key.expiresB36 !== undefined) {
      return this.checkSignature(key, key.signature, key.expiresB36);
    }
    if (session) {
      if (sameString(session.use(), token)) return;
      return this.reject('the session credential does not match');
    }
    this.reject('no credential');
  }

  private checkSignature(key: RouteKey, signature: string, expiresB36: string): void {
    if (this.keys.size === 0) {
      this.logger.debug('503: a signed route, and no auth.secureAccessKeys to check it');
      throw signedRoutesUnconfigured();
    }
    const secret = this.keys.get(signature.slice(8));
    if (!secret) return this.reject(`unknown key id ${signature.slice(8)}`);
    const expected = routeSignatureHex(secret, {
      sandboxId: key.sandboxId,
      port: key.port,
      expiresB36,
    });
    if (!sameString(signature.slice(0, 8), expected)) return this.reject('bad route signature');
    // Valid through its `expires` second, as the OpenSandbox ingress has it.
    if (Math.floor(this.clock.now() / 1000) > parseInt(expiresB36, 36)) {
      return this.reject('signed route expired');
    }
  }

  private reject(reason: string): never {
    this.logger.debug(`401: secure access refused (${reason})`);
    throw secureAccessRejected();
  }
}
