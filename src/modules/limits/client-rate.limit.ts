import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { type Clock, CLOCK } from '../clock/clock.js';
import { limitsConfig, type LimitsConfig } from '../config/router.config.js';
import { RouterError } from '../errors/router-error.js';
import { TrustedProxies } from '../routing/trusted-proxies.js';
import { TokenBuckets } from './token-buckets.js';

/**
 * `limits.perClientRps` / `perClientBurst`: a token bucket per client, the client as the
 * WebSocket cap names it (the peer, or the first untrusted `X-Forwarded-For` hop behind trusted
 * proxies). Every request that names a sandbox or goes to the worker pool takes a token, HTTP
 * and WebSocket upgrades alike; the router's own endpoints take none.
 */
@Injectable()
export class ClientRateLimit {
  private readonly buckets?: TokenBuckets;
  /** A field, not a getter: the front door reads it on every request. */
  readonly enabled: boolean;

  constructor(
    @Inject(limitsConfig.KEY) { perClientRps, perClientBurst }: LimitsConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly trustedProxies: TrustedProxies,
  ) {
    this.enabled = perClientRps > 0;
    if (!this.enabled) return;
    // An unset burst is one second's worth.
    this.buckets = new TokenBuckets({
      ratePerSecond: perClientRps,
      burst: perClientBurst || perClientRps,
    });
  }

  /** Throws RATE_LIMITED, with the whole seconds until the client's next token. */
  admit(req: IncomingMessage): void {
    if (!this.buckets) return;
    const waitMs = this.buckets.take(this.trustedProxies.clientOf(req), this.clock.now());
    if (waitMs > 0) throw rateLimited(waitMs);
  }
}

const rateLimited = (waitMs: number) =>
  new RouterError('RATE_LIMITED', 'Too many requests from this client.', {
    'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
  });
