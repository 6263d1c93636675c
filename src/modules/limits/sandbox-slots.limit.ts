import { Inject, Injectable } from '@nestjs/common';
import { limitsConfig, type LimitsConfig } from '../config/router.config.js';
import { RouterError } from '../errors/router-error.js';
import type { RequestObserver } from '../observability/request.observer.js';
import type { RequestRecord } from '../observability/request.record.js';
import { RequestRecords } from '../observability/request.records.js';

/** A guess for when a slot frees up: most HTTP requests to a sandbox are short. */
const RETRY_AFTER_SECONDS = '1';

/**
 * `limits.maxConnectionsPerSandbox`: requests and WebSockets open at once per sandbox, counted
 * on the resolved target's identity (`<namespace>/<name>`, plus the uid for custom resources),
 * so every route form that names one sandbox shares its count. A slot is taken once a request
 * is routed and released when its record finishes, which happens exactly once per request or
 * WebSocket whatever ends it (response complete, client gone, upstream error, socket closed):
 * this is one of the record's observers while the cap is on.
 */
@Injectable()
export class SandboxSlots implements RequestObserver {
  private readonly held = new Map<string, number>();
  private readonly max: number;
  /** A field, not a getter: the front door reads it on every request. */
  readonly enabled: boolean;

  constructor(@Inject(limitsConfig.KEY) config: LimitsConfig, records: RequestRecords) {
    this.max = config.maxConnectionsPerSandbox;
    this.enabled = this.max > 0;
    if (this.enabled) records.observe(this);
  }

  /** Slots in use by `identity`'s requests and WebSockets. */
  inUse(identity: string): number {
    return this.held.get(identity) ?? 0;
  }

  /** Takes a slot of `identity` for the request; throws RATE_LIMITED when none is free. */
  take(record: RequestRecord, identity: string): void {
    const used = this.held.get(identity) ?? 0;
    if (used >= this.max) throw tooManyConnections();
    this.held.set(identity, used + 1);
    record.sandboxSlot = identity;
  }

  finished(record: Readonly<RequestRecord>): void {
    const identity = record.sandboxSlot;
    if (identity === undefined) return;
    const used = (this.held.get(identity) ?? 1) - 1;
    if (used > 0) this.held.set(identity, used);
    else this.held.delete(identity);
  }
}

const tooManyConnections = () =>
  new RouterError('RATE_LIMITED', 'Too many concurrent connections to this sandbox.', {
    'retry-after': RETRY_AFTER_SECONDS,
  });
