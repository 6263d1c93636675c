import { TokenBuckets } from './token-buckets.js';

const T0 = 1_700_000_000_000;

describe('TokenBuckets', () => {
  it('lets a new client send its whole burst at once, then asks it to wait', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 2, burst: 3 });
    expect([1, 2, 3].map(() => buckets.take('a', T0))).toEqual([0, 0, 0]);
    // Two tokens a second: the next one is half a second away.
    expect(buckets.take('a', T0)).toBe(500);
  });

  it('refills at the rate, up to the burst and no further', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 2, burst: 2 });
    buckets.take('a', T0);
    buckets.take('a', T0);
    expect(buckets.take('a', T0 + 250)).toBe(250);
    expect(buckets.take('a', T0 + 500)).toBe(0);
    // Ten seconds of rest fill the bucket to 2, not 20.
    expect([1, 2, 3].map(() => buckets.take('a', T0 + 10_500))).toEqual([0, 0, 500]);
  });

  it('keeps one bucket per client', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    expect(buckets.take('a', T0)).toBe(0);
    expect(buckets.take('a', T0)).toBe(1000);
    expect(buckets.take('b', T0)).toBe(0);
  });

  it('counts a refused request against nothing: the wait shrinks with time only', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    buckets.take('a', T0);
    expect(buckets.take('a', T0 + 100)).toBe(900);
    expect(buckets.take('a', T0 + 100)).toBe(900);
    expect(buckets.take('a', T0 + 1000)).toBe(0);
  });

  it('gives a fractional rate its wait in full seconds and more', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 0.5, burst: 1 });
    buckets.take('a', T0);
    expect(buckets.take('a', T0)).toBe(2000);
  });

  it('treats a clock that steps back as time standing still', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    buckets.take('a', T0);
    expect(buckets.take('a', T0 - 60_000)).toBe(1000);
    expect(buckets.take('a', T0 - 59_000)).toBe(0);
  });

  it('drops the buckets of clients that have rested until full, once a minute', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 5 });
    buckets.take('idle', T0);
    buckets.take('busy', T0 + 59_000);
    buckets.take('busy', T0 + 59_000);
    expect(buckets.size).toBe(2);
    // The first call past the minute sweeps: 'idle' is full again, 'busy' is still refilling.
    buckets.take('other', T0 + 60_000);
    expect(buckets.size).toBe(2);
    expect(buckets.take('busy', T0 + 60_000)).toBe(0);
  });

  it('gives a dropped client a full bucket again', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 2 });
    buckets.take('a', T0);
    buckets.take('a', T0);
    buckets.take('b', T0 + 120_000);
    expect(buckets.size).toBe(1);
    expect([1, 2, 3].map(() => buckets.take('a', T0 + 120_000))).toEqual([0, 0, 1000]);
  });
});
