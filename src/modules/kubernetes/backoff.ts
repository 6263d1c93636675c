import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential, capped, with full jitter (as client-go's watch restarts), so many replicas
 * do not hammer a recovering API server in step.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  reset(): void {
    this.attempt = 0;
  }

  nextDelayMs(): number {
    const ceiling = Math.min(
      this.options.maxDelayMs,
      this.options.initialDelayMs * 2 ** this.attempt,
    );
    this.attempt = Math.min(this.attempt + 1, 30);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /** Resolves after the next delay, or at once (without throwing) when the signal aborts. */
  async wait(signal: AbortSignal): Promise<void> {
    await sleep(this.nextDelayMs(), undefined, { signal }).catch(() => undefined);
  }
}
