import type { Provider } from '@nestjs/common';
import { destination } from 'pino';

/** Where every log line goes; tests swap in a stream they read. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/** What gathers before one write: ~50 access lines under load. */
const BATCH_CHARS = 16 * 1024;

/**
 * Standard output through pino's asynchronous destination (sonic-boom), one write per batch of
 * lines rather than per line: a write to sonic-boom costs ~3.5 µs whatever its size, which one
 * access line per request cannot afford. ObservabilityModule flushes what a quiet second
 * leaves, and everything on shutdown; a crash loses at most the last batch.
 */
export class BatchedDestination {
  private pending = '';

  constructor(private readonly target: ReturnType<typeof destination>) {}

  write(line: string): boolean {
    this.pending += line;
    if (this.pending.length >= BATCH_CHARS) this.flush();
    return true;
  }

  flush(): void {
    if (this.pending === '') return;
    const batch = this.pending;
    this.pending = '';
    this.target.write(batch);
  }

  flushSync(): void {
    this.flush();
    this.target.flushSync();
  }
}

export const logDestinationProvider: Provider = {
  provide: LOG_DESTINATION,
  useFactory: () => new BatchedDestination(destination({ dest: 1, sync: false })),
};
