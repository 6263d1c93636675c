/** How often idle clients' buckets are dropped, at most. */
const SWEEP_INTERVAL_MS = 60_000;

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  atMs: number;
}

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: the requests a rested client may send at once (at least 1). */
  burst: number;
}

/**
 * One token bucket per key (a client), each starting full. A bucket that has refilled is the
 * same as no bucket, so those are dropped on a sweep at most once a minute, done lazily by the
 * call that finds the minute over: memory holds only the clients seen in the last minute or
 * still refilling, and no timer is needed.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private sweptAtMs = -Infinity;

  constructor({ ratePerSecond, burst }: TokenBucketOptions) {
    this.perMs = ratePerSecond / 1000;
    this.burst = Math.max(1, burst);
  }

  /** Clients with a bucket that is not full (as of the last sweep). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes a token from `key`'s bucket: 0 when taken, else the milliseconds until one is there. */
  take(key: string, nowMs: number): number {
    if (nowMs - this.sweptAtMs >= SWEEP_INTERVAL_MS) this.sweep(nowMs);
    const bucket = this.buckets.get(key);
    if (!bucket) {
      this.buckets.set(key, { tokens: this.burst - 1, atMs: nowMs });
      return 0;
    }
    bucket.tokens = this.tokensAt(bucket, nowMs);
    bucket.atMs = nowMs;
    if (bucket.tokens < 1) return this.waitMs(bucket.tokens);
    bucket.tokens -= 1;
    return 0;
  }

  /** A wall clock may step back: time then stands still rather than draining a bucket. */
  private tokensAt(bucket: Bucket, nowMs: number): number {
    return Math.min(this.burst, bucket.tokens + Math.max(0, nowMs - bucket.atMs) * this.perMs);
  }

  private waitMs(tokens: number): number {
    return (1 - tokens) / this.perMs;
  }

  private sweep(nowMs: number): void {
    this.sweptAtMs = nowMs;
    for (const [key, bucket] of this.buckets) {
      if (this.tokensAt(bucket, nowMs) >= this.burst) this.buckets.delete(key);
    }
  }
}
