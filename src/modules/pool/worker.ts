import type { Target } from '../resolution/sandbox.resolver.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
}

/**
 * One SandboxFusion worker: its address, its health as the checks see it, its circuit as the
 * requests see it, and the counters `GET /` and the metrics read. A worker starts unhealthy: it
 * takes traffic only once a health check has passed.
 */
export class Worker {
  readonly target: Target;
  healthy = false;
  lastCheck?: Date;
  lastError = '';
  inFlight = 0;
  requests = 0;
  failures = 0;
  retries = 0;
  /** Smooth weighted round robin's running weight (the weighted strategy). */
  currentWeight = 0;
  private consecutiveFailures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    readonly url: string,
    public weight: number,
    private readonly circuit: CircuitOptions,
  ) {
    this.target = { url: new URL(url), source: 'pool', identity: `pool/${url}` };
  }

  get circuitState(): CircuitState {
    if (this.openUntil === 0) return 'closed';
    return Date.now() < this.openUntil ? 'open' : 'half-open';
  }

  /** Healthy, and its circuit lets a request through (half-open: one probe at a time). */
  get available(): boolean {
    if (!this.healthy) return false;
    const state = this.circuitState;
    return state === 'closed' || (state === 'half-open' && !this.probing);
  }

  /** An attempt starts on this worker. */
  begin(): void {
    this.inFlight++;
    this.requests++;
    if (this.circuitState === 'half-open') this.probing = true;
  }

  /** The attempt is over: its response has gone out, or it was given up. */
  ended(): void {
    this.inFlight--;
  }

  /** The attempt got an answer that is not the worker's fault (2xx-4xx): the circuit closes. */
  succeeded(): void {
    this.consecutiveFailures = 0;
    this.openUntil = 0;
    this.probing = false;
  }

  /** Connect error, timeout or 5xx: enough in a row (or a failed probe) open the circuit. */
  failed(): void {
    this.failures++;
    this.consecutiveFailures++;
    const probeFailed = this.probing;
    this.probing = false;
    if (probeFailed || this.consecutiveFailures >= this.circuit.failureThreshold) {
      this.openUntil = Date.now() + this.circuit.cooldownMs;
    }
  }

  /** A health check's verdict; true when it changed the worker's health. */
  checked(healthy: boolean, error: string): boolean {
    const changed = healthy !== this.healthy;
    this.healthy = healthy;
    this.lastError = error;
    this.lastCheck = new Date();
    return changed;
  }

  /** What `GET /` shows of the worker (SPEC §5). */
  toJSON() {
    return {
      url: this.url,
      healthy: this.healthy,
      last_check: this.lastCheck?.toISOString() ?? null,
      last_error: this.lastError,
      weight: this.weight,
      in_flight: this.inFlight,
      requests: this.requests,
      failures: this.failures,
      circuit: this.circuitState,
    };
  }
}
