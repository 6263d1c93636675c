import { createHash } from 'node:crypto';
import { REQUEST_OBSERVER } from '../../src/modules/observability/request.observer.js';
import type { RequestRecord } from '../../src/modules/observability/request.record.js';
import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { resetWorkers, servedCounts, usePool } from '../support/pool.js';
import { until } from '../support/wait.js';

interface RunCodeReply {
  status: string;
  worker: string;
  router_metadata: { worker_url: string; attempt: number };
}

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** Requests without a route key go to the worker pool (SPEC §3.5). */
describe('the worker pool', () => {
  // Health checks far apart: these tests decide when a worker breaks.
  const pool = usePool(3, { healthCheckIntervalSeconds: 3600 });
  beforeEach(() => resetWorkers(pool.workers));

  it('spreads requests round robin across the healthy workers', async () => {
    for (let i = 0; i < 30; i++) expect((await pool.send()).status).toBe(200);
    expect(servedCounts(pool.workers)).toEqual([10, 10, 10]);
  });

  it('adds router_metadata to a /run_code JSON answer, and X-Router-* to every answer', async () => {
    const reply = await pool.send();
    const body = reply.json<RunCodeReply>();
    const worker = pool.workers.find(({ url }) => url === body.router_metadata.worker_url);
    expect(body).toEqual({
      status: 'Success',
      worker: expect.stringMatching(/^w\d$/),
      router_metadata: { worker_url: worker!.url, attempt: 1 },
    });
    expect(reply.headers['content-length']).toBe(String(reply.body.length));
    expect(reply.headers['x-router-worker']).toBe(worker!.url);
    expect(reply.headers['x-router-attempt']).toBe('1');
  });

  it('passes other answers through untouched', async () => {
    const text = await pool.send('/run_code_text');
    expect(text.text).toMatch(/^ran on w\d$/);
    const other = await pool.send('/submit');
    expect(other.json()).not.toHaveProperty('router_metadata');
    expect(other.headers['x-router-attempt']).toBe('1');
  });

  it('retries a worker 500 on another worker, replaying the body byte for byte', async () => {
    const [broken] = pool.workers;
    broken.mode = 'fail';
    const body = Buffer.from(JSON.stringify({ code: 'x'.repeat(200_000), language: 'python' }));
    // Round robin comes back to the broken worker within three requests.
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await pool.send('/run_code', { body }));
    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    const retried = replies.find((reply) => reply.headers['x-router-attempt'] === '2');
    expect(retried?.json<RunCodeReply>().router_metadata).toEqual({
      worker_url: expect.not.stringMatching(broken.url),
      attempt: 2,
    });
    const served = pool.workers.flatMap((worker) => worker.served);
    expect(served).toHaveLength(3);
    expect(served.every(({ sha256: digest }) => digest === sha256(body))).toBe(true);
  });

  it('passes a worker 400 through without a retry', async () => {
    const reply = await pool.send('/bad');
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({ detail: 'bad request' });
    const seen = pool.workers.map(
      (worker) => worker.upstream.requests.filter((req) => req.url === '/bad').length,
    );
    expect(seen.reduce((sum, count) => sum + count, 0)).toBe(1);
  });

  it('answers 503 ALL_WORKERS_FAILED when every attempt fails', async () => {
    for (const worker of pool.workers) worker.mode = 'fail';
    const reply = await pool.send();
    expectRouterError(reply, 503, 'ALL_WORKERS_FAILED', 'All workers failed after 3 attempts');
  });

  it('still sends a request with X-Sandbox-ID to its sandbox, not to the pool', async () => {
    const [worker] = pool.workers;
    const reply = await request(pool.router.url, '/run_code', {
      headers: { 'X-Sandbox-ID': 'sb', 'X-Sandbox-Port': String(worker.upstream.port) },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers).not.toHaveProperty('x-router-worker');
  });

  it('keeps answering its own endpoints', async () => {
    expect((await request(pool.router.url, '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await request(pool.router.url, '/health')).json()).toEqual({
      status: 'healthy',
      total_workers: 3,
      healthy_workers: 3,
    });
    const info = await request(pool.router.url, '/');
    expect(info.json<{ workers: unknown[] }>().workers).toEqual(
      pool.workers.map(({ url }) => ({
        url,
        healthy: true,
        last_check: expect.any(String),
        last_error: '',
        weight: 1,
        in_flight: 0,
        requests: expect.any(Number),
        failures: expect.any(Number),
        circuit: expect.stringMatching(/^(closed|open|half-open)$/),
      })),
    );
  });
});

describe('the worker pool and the request record', () => {
  const records: RequestRecord[] = [];
  const pool = usePool(
    2,
    { healthCheckIntervalSeconds: 3600 },
    {
      override: (builder) =>
        builder
          .overrideProvider(REQUEST_OBSERVER)
          .useValue([{ finished: (record: RequestRecord) => records.push(record) }]),
    },
  );

  it('notes a retried request as pool traffic with its attempts and the last worker', async () => {
    const [broken, good] = pool.workers;
    broken.mode = 'fail';
    const reply = await pool.send('/run_code', { headers: { 'x-request-id': 'pool-1' } });
    const attempts = Number(reply.headers['x-router-attempt']);
    await until(() => records.some((record) => record.requestId === 'pool-1'));
    expect(records.find((record) => record.requestId === 'pool-1')).toMatchObject({
      kind: 'pool',
      status: 200,
      attempts,
      upstream: new URL(good.url).host,
    });
  });
});

describe('the worker pool with a small replay buffer', () => {
  const pool = usePool(2, { healthCheckIntervalSeconds: 3600, maxReplayBodyBytes: 1024 });
  beforeEach(() => resetWorkers(pool.workers));

  it('streams a larger body to one worker once and does not retry it', async () => {
    for (const worker of pool.workers) worker.mode = 'fail';
    const reply = await pool.send('/run_code', { body: Buffer.alloc(100_000, 'b') });
    expect(reply.status).toBe(500);
    expect(reply.headers['x-router-attempt']).toBe('1');
    const posted = pool.workers.map(
      (worker) => worker.upstream.requests.filter((req) => req.method === 'POST').length,
    );
    expect(posted.reduce((sum, count) => sum + count, 0)).toBe(1);
  });

  it('still retries a small body', async () => {
    pool.workers[0].mode = 'fail';
    pool.workers[1].mode = 'fail';
    const reply = await pool.send('/run_code', { body: '{"code":"1"}' });
    expectRouterError(reply, 503, 'ALL_WORKERS_FAILED', 'All workers failed after 2 attempts');
  });
});

describe('the worker pool when workers go away', () => {
  const pool = usePool(2, { healthCheckIntervalSeconds: 3600 });

  it('retries a refused connection on another worker', async () => {
    await pool.workers[0].close();
    for (let i = 0; i < 2; i++) {
      const reply = await pool.send();
      expect(reply.status).toBe(200);
      expect(reply.json<RunCodeReply>().router_metadata.worker_url).toBe(pool.workers[1].url);
    }
  });
});

describe('the worker pool with health checks', () => {
  const pool = usePool(3, { healthCheckIntervalSeconds: 0.2 });
  beforeEach(() => resetWorkers(pool.workers));

  it('skips a worker whose ping fails after the next check, and takes it back once it recovers', async () => {
    const [sick] = pool.workers;
    sick.mode = 'sick';
    await pool.untilHealthy(sick, false);
    sick.served.splice(0);
    for (let i = 0; i < 6; i++) expect((await pool.send()).status).toBe(200);
    expect(sick.served).toHaveLength(0);
    sick.mode = 'ok';
    await pool.untilHealthy(sick, true);
    for (let i = 0; i < 6; i++) await pool.send();
    expect(sick.served.length).toBeGreaterThan(0);
  });

  it('answers 503 NO_HEALTHY_WORKERS when no worker is healthy', async () => {
    for (const worker of pool.workers) worker.mode = 'sick';
    await Promise.all(pool.workers.map((worker) => pool.untilHealthy(worker, false)));
    expectRouterError(await pool.send(), 503, 'NO_HEALTHY_WORKERS', 'No healthy workers available');
    expect((await request(pool.router.url, '/health')).json()).toEqual({
      status: 'unhealthy',
      total_workers: 3,
      healthy_workers: 0,
    });
  });
});
