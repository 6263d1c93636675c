import type { RouterConfigInput } from '../../src/modules/config/config.schema.js';
import { request, type Reply, type RequestOptions } from './http-client.js';
import { MappedLookup } from './mapped-lookup.js';
import { type RouterOptions, startRouter, type RunningRouter } from './router-app.js';
import { until } from './wait.js';
import { startWorker, type TestWorker } from './workers.js';

export interface RunningPool {
  readonly router: RunningRouter;
  readonly workers: TestWorker[];
  /** A request without a route key: the pool's. */
  send(path?: string, options?: RequestOptions): Promise<Reply>;
  /** Polls `GET /` until the worker's `healthy` is `healthy`. */
  untilHealthy(worker: TestWorker, healthy: boolean): Promise<void>;
}

/**
 * For one describe block: `count` workers (weights 1 unless given) and a router whose pool is
 * those workers (plus `pool` settings); ready once the first round of health checks is in.
 */
export function usePool(
  count: number,
  pool: RouterConfigInput['pool'] = {},
  {
    weights = [],
    override,
  }: { weights?: readonly number[]; override?: RouterOptions['override'] } = {},
): RunningPool {
  const running = { workers: [] as TestWorker[] } as {
    router: RunningRouter;
    workers: TestWorker[];
  };
  beforeAll(async () => {
    for (let i = 0; i < count; i++) running.workers.push(await startWorker(`w${i}`));
    running.router = await startRouter({
      lookup: new MappedLookup(),
      override,
      config: {
        pool: {
          workers: running.workers.map(({ url }, i) => ({ url, weight: weights[i] ?? 1 })),
          ...pool,
        },
      },
    });
    await until(async () => (await request(running.router.url, '/readyz')).status === 200);
  });
  afterAll(async () => {
    await running.router?.close();
    await Promise.all(running.workers.map((worker) => worker.close()));
  });
  return {
    get router() {
      return running.router;
    },
    workers: running.workers,
    send: (path = '/run_code', options = {}) =>
      request(running.router.url, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"code":"print(1)","language":"python"}',
        ...options,
      }),
    untilHealthy: (worker, healthy) =>
      until(async () => {
        const info = (await request(running.router.url, '/')).json<{
          workers: { url: string; healthy: boolean }[];
        }>();
        return info.workers.find((entry) => entry.url === worker.url)?.healthy === healthy;
      }),
  };
}

/** How many `/run_code` requests each worker answered. */
export const servedCounts = (workers: readonly TestWorker[]) =>
  workers.map((worker) => worker.served.length);

/** Clears what the workers have answered, and puts them back to `ok`. */
export function resetWorkers(workers: readonly TestWorker[]): void {
  for (const worker of workers) {
    worker.served.splice(0);
    worker.mode = 'ok';
    worker.release();
  }
}
