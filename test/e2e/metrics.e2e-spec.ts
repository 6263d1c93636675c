import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { closedPort } from '../support/raw-upstream.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { until } from '../support/wait.js';
import { closed, connectWs, nextMessage, startWsUpstream, type WsUpstream } from '../support/ws.js';
import { startWorker, type TestWorker } from '../support/workers.js';

/** The value of one series (name and exact label set) in Prometheus text, 0 when absent. */
function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** SPEC §5: Prometheus text on the admin port, never on the proxy port, never a sandbox label. */
describe('metrics on the admin port', () => {
  let router: RunningRouter;
  let admin: string;
  let upstream: Upstream;
  let wsUpstream: WsUpstream;
  let workers: TestWorker[];

  beforeAll(async () => {
    upstream = await startUpstream();
    wsUpstream = await startWsUpstream();
    workers = [await startWorker('a'), await startWorker('b')];
    const adminPort = await closedPort();
    admin = `http://127.0.0.1:${adminPort}`;
    router = await startRouter({
      lookup: new MappedLookup(),
      config: {
        adminPort,
        resolution: {
          providers: ['static'],
          static: {
            sandboxes: {
              'up-box': upstream.url,
              'ws-box': `http://127.0.0.1:${wsUpstream.port}`,
              'gone-box': `http://127.0.0.1:${await closedPort()}`,
            },
          },
        },
        pool: {
          workers: workers.map(({ url }) => ({ url })),
          healthCheckIntervalSeconds: 3600,
        },
      },
    });
    await until(async () => (await request(admin, '/readyz')).status === 200);
  });
  afterAll(async () => {
    await router.close();
    await Promise.all([upstream.close(), wsUpstream.close(), ...workers.map((w) => w.close())]);
  });

  const metrics = async () => (await request(admin, '/metrics')).text;
  const send = (id: string, path = '/') =>
    request(router.url, path, { headers: { 'X-Sandbox-ID': id } });

  it('counts a 200, a 404 and a 502 by kind, method and status class', async () => {
    const before = await metrics();
    expect((await send('up-box')).status).toBe(200);
    expect((await send('nowhere-box')).status).toBe(404);
    expect((await send('gone-box')).status).toBe(502);
    const after = await metrics();
    const delta = (series: string) => valueOf(after, series) - valueOf(before, series);
    expect(
      delta('sandbox_router_requests_total{kind="header",method="GET",code_class="2xx"}'),
    ).toBe(1);
    expect(
      delta('sandbox_router_requests_total{kind="header",method="GET",code_class="4xx"}'),
    ).toBe(1);
    expect(
      delta('sandbox_router_requests_total{kind="header",method="GET",code_class="5xx"}'),
    ).toBe(1);
    expect(delta('sandbox_router_upstream_errors_total{reason="refused"}')).toBe(1);
    expect(delta('sandbox_router_request_duration_seconds_count{kind="header"}')).toBe(3);
    expect(valueOf(after, 'sandbox_router_inflight_requests{kind="header"}')).toBe(0);
    expect(delta('sandbox_router_upstream_connect_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('counts a retried pool request and its worker outcomes', async () => {
    const before = await metrics();
    workers[0].mode = 'fail';
    workers[1].mode = 'fail';
    // Both fail: two attempts, one retry, a 503.
    const reply = await request(router.url, '/run_code', { method: 'POST', body: '{}' });
    expect(reply.status).toBe(503);
    workers[0].mode = 'ok';
    workers[1].mode = 'ok';
    const after = await metrics();
    const delta = (series: string) => valueOf(after, series) - valueOf(before, series);
    expect(delta('sandbox_router_requests_total{kind="pool",method="POST",code_class="5xx"}')).toBe(
      1,
    );
    expect(delta('sandbox_router_upstream_retries_total{kind="pool"}')).toBe(1);
    for (const worker of workers) {
      expect(
        delta(`sandbox_router_pool_requests_total{worker="${worker.url}",outcome="failure"}`),
      ).toBe(1);
    }
    expect(valueOf(after, 'sandbox_router_pool_workers{state="healthy"}')).toBe(2);
  });

  it('counts a WebSocket: open while it lasts, then its close code and bytes', async () => {
    const before = await metrics();
    const ws = await connectWs(`ws://127.0.0.1:${router.port}/`, {
      headers: { 'X-Sandbox-ID': 'ws-box' },
    });
    ws.send('hello');
    await nextMessage(ws);
    expect(valueOf(await metrics(), 'sandbox_router_websocket_connections{state="open"}')).toBe(1);
    const done = closed(ws);
    ws.close(1000);
    await done;
    await until(async () =>
      (await metrics()).includes('sandbox_router_websocket_connections{state="open"} 0'),
    );
    const after = await metrics();
    const delta = (series: string) => valueOf(after, series) - valueOf(before, series);
    expect(delta('sandbox_router_websocket_closed_total{code="1000"}')).toBe(1);
    expect(delta('sandbox_router_websocket_bytes_total{direction="in"}')).toBe(5);
    expect(delta('sandbox_router_websocket_bytes_total{direction="out"}')).toBe(5);
    expect(
      delta('sandbox_router_requests_total{kind="header",method="GET",code_class="1xx"}'),
    ).toBe(1);
  });

  it('never names a sandbox, whatever traffic it saw', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => send(`distinct-box-${i}`)));
    const text = await metrics();
    expect(text).not.toMatch(/distinct-box/);
    expect(text).not.toMatch(/up-box|gone-box|ws-box/);
  });

  it('exposes build info and the process metrics', async () => {
    const text = await metrics();
    expect(text).toMatch(/^sandbox_router_build_info\{version="[^"]+",commit="[^"]*",node="v\d+/m);
    expect(text).toMatch(/^sandbox_router_process_resident_memory_bytes \d+/m);
  });

  it('answers the probes on the admin port, and nothing of it on the proxy port', async () => {
    expect((await request(admin, '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await request(admin, '/readyz')).json()).toMatchObject({ status: 'ok' });
    // On the proxy port, /metrics is just another path: here, the pool's.
    const proxied = await request(router.url, '/metrics');
    expect(proxied.text).not.toMatch(/sandbox_router_/);
    expect(proxied.headers['x-router-worker']).toBeDefined();
  });
});
