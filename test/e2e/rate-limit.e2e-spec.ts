import type { RouterConfigInput } from '../../src/modules/config/config.schema.js';
import { expectRouterError } from '../support/expect-error.js';
import { request, type Reply } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { type RunningRouter, startRouter } from '../support/router-app.js';
import { TestClock } from '../support/test-clock.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { startWorker, type TestWorker } from '../support/workers.js';
import { connectWs, refusedUpgrade, startWsUpstream, type WsUpstream } from '../support/ws.js';

const TOO_MANY = 'Too many requests from this client.';

/** A router with `limits` on a clock the test moves, an echo upstream and a WebSocket one. */
function useLimitedRouter(config: RouterConfigInput) {
  const env = {} as {
    router: RunningRouter;
    upstream: Upstream;
    ws: WsUpstream;
    worker: TestWorker;
    clock: TestClock;
  };
  beforeAll(async () => {
    env.clock = new TestClock(1_700_000_000_000);
    env.upstream = await startUpstream();
    env.ws = await startWsUpstream();
    env.worker = await startWorker('w0');
    env.router = await startRouter({
      lookup: new MappedLookup(),
      override: env.clock.install,
      config: {
        ...config,
        pool: { workers: [{ url: env.worker.url }], healthCheckIntervalSeconds: 3600 },
      },
    });
  });
  // Every test starts with rested buckets.
  beforeEach(() => (env.clock.nowMs += 3_600_000));
  afterAll(async () => {
    await env.router.close();
    await Promise.all([env.upstream.close(), env.ws.close(), env.worker.close()]);
  });
  const get = (headers: Record<string, string> = {}, path = '/'): Promise<Reply> =>
    request(env.router.url, path, {
      headers: { 'X-Sandbox-ID': 'busy', 'X-Sandbox-Port': String(env.upstream.port), ...headers },
    });
  const statuses = async (count: number, send: () => Promise<Reply>) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push((await send()).status);
    return seen;
  };
  return { env, get, statuses };
}

describe('limits.perClientRps / perClientBurst', () => {
  const { env, get, statuses } = useLimitedRouter({
    limits: { perClientRps: 1, perClientBurst: 3 },
  });

  it('lets a client send its burst, then answers 429 RATE_LIMITED with Retry-After', async () => {
    expect(await statuses(3, () => get())).toEqual([200, 200, 200]);
    const reply = await get();
    expectRouterError(reply, 429, 'RATE_LIMITED', TOO_MANY);
    expect(reply.headers['retry-after']).toBe('1');
  });

  it('gives the client a token back as the clock moves on', async () => {
    await statuses(3, () => get());
    expect((await get()).status).toBe(429);
    env.clock.nowMs += 999;
    expect((await get()).status).toBe(429);
    env.clock.nowMs += 1;
    expect(await statuses(2, () => get())).toEqual([200, 429]);
  });

  it('takes X-Forwarded-For from an untrusted peer for nothing: the peer is the client', async () => {
    await statuses(3, () => get({ 'X-Forwarded-For': '203.0.113.1' }));
    expect((await get({ 'X-Forwarded-For': '203.0.113.2' })).status).toBe(429);
  });

  it('limits WebSocket upgrades like requests', async () => {
    await statuses(3, () => get());
    const reply = await refusedUpgrade(`ws://127.0.0.1:${env.router.port}/`, {
      'X-Sandbox-ID': 'busy',
      'X-Sandbox-Port': String(env.ws.port),
    });
    expectRouterError(reply, 429, 'RATE_LIMITED', TOO_MANY);
    expect(reply.headers['retry-after']).toBe('1');
    env.clock.nowMs += 1000;
    const socket = await connectWs(`ws://127.0.0.1:${env.router.port}/`, {
      headers: { 'X-Sandbox-ID': 'busy', 'X-Sandbox-Port': String(env.ws.port) },
    });
    socket.terminate();
  });

  it('limits requests to the worker pool', async () => {
    const runCode = () => request(env.router.url, '/run_code', { method: 'POST', body: '{}' });
    expect(await statuses(3, runCode)).toEqual([200, 200, 200]);
    expectRouterError(await runCode(), 429, 'RATE_LIMITED', TOO_MANY);
  });

  it("never limits the router's own endpoints", async () => {
    await statuses(3, () => get());
    expect(await statuses(5, () => request(env.router.url, '/healthz'))).toEqual([
      200, 200, 200, 200, 200,
    ]);
  });
});

describe('per-client identity behind trusted proxies', () => {
  const { get, statuses } = useLimitedRouter({
    trustedProxyCidrs: ['127.0.0.1/32'],
    limits: { perClientRps: 0.5, perClientBurst: 1 },
  });

  it('gives every forwarded client its own bucket, and Retry-After in whole seconds', async () => {
    expect((await get({ 'X-Forwarded-For': '203.0.113.1' })).status).toBe(200);
    const limited = await get({ 'X-Forwarded-For': '203.0.113.1' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(await statuses(1, () => get({ 'X-Forwarded-For': '203.0.113.2' }))).toEqual([200]);
  });
});
