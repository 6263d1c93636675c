import { request } from '../support/http-client.js';
import { resetWorkers, servedCounts, usePool } from '../support/pool.js';
import { until } from '../support/wait.js';

const REQUESTS = 3000;
const CONCURRENCY = 20;

/** Sends `total` pool requests, `CONCURRENCY` at a time; all must succeed. */
async function load(send: () => Promise<{ status: number }>, total: number): Promise<void> {
  let left = total;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) expect((await send()).status).toBe(200);
    }),
  );
}

describe('the random strategy through the router', () => {
  const pool = usePool(3, { strategy: 'random', healthCheckIntervalSeconds: 3600 });

  it(`spreads ${REQUESTS} requests within 15% of even`, async () => {
    await load(() => pool.send(), REQUESTS);
    for (const count of servedCounts(pool.workers)) {
      expect(Math.abs(count - REQUESTS / 3)).toBeLessThan(0.15 * (REQUESTS / 3));
    }
  }, 60_000);
});

describe('the weighted strategy through the router', () => {
  const pool = usePool(
    3,
    { strategy: 'weighted', healthCheckIntervalSeconds: 3600 },
    {
      weights: [1, 2, 3],
    },
  );

  it(`spreads ${REQUESTS} requests by weight`, async () => {
    await load(() => pool.send(), REQUESTS);
    const counts = servedCounts(pool.workers);
    [500, 1000, 1500].forEach((expected, i) =>
      expect(Math.abs(counts[i] - expected)).toBeLessThan(0.1 * expected),
    );
  }, 60_000);
});

describe('the least_connections strategy through the router', () => {
  const pool = usePool(3, { strategy: 'least_connections', healthCheckIntervalSeconds: 3600 });

  it('keeps new requests off a worker that holds a slow one', async () => {
    const [slow] = pool.workers;
    slow.mode = 'slow';
    // Round robin breaks the first tie: the first request lands on the slow worker and stays.
    const held = pool.send();
    await until(() => slow.upstream.requests.length > 1);
    for (let i = 0; i < 10; i++) expect((await pool.send()).status).toBe(200);
    expect(servedCounts(pool.workers)).toEqual([1, 5, 5]);
    slow.release();
    expect((await held).status).toBe(200);
    resetWorkers(pool.workers);
  });
});

describe('the worker circuit breaker through the router', () => {
  const pool = usePool(2, {
    healthCheckIntervalSeconds: 3600,
    circuit: { failureThreshold: 2, cooldownSeconds: 0.5 },
  });

  const circuitOf = async (url: string) =>
    (await request(pool.router.url, '/'))
      .json<{ workers: { url: string; circuit: string }[] }>()
      .workers.find((worker) => worker.url === url)?.circuit;

  it('opens after the threshold of failures and closes after a good probe', async () => {
    const [flaky, steady] = pool.workers;
    flaky.mode = 'fail';
    for (let i = 0; i < 4; i++) expect((await pool.send()).status).toBe(200);
    expect(await circuitOf(flaky.url)).toBe('open');
    flaky.mode = 'ok';
    for (let i = 0; i < 4; i++) await pool.send();
    expect(flaky.served).toHaveLength(0);
    await until(async () => (await circuitOf(flaky.url)) === 'half-open');
    for (let i = 0; i < 2; i++) await pool.send();
    expect(flaky.served.length).toBeGreaterThan(0);
    expect(await circuitOf(flaky.url)).toBe('closed');
    expect(steady.served.length).toBeGreaterThan(0);
  });
});
