import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { useRouterAndUpstream } from '../support/router-app.js';

describe("the router's own endpoints", () => {
  const env = useRouterAndUpstream();

  it('answers GET /healthz with exactly {"status":"ok"}', async () => {
    const reply = await request(env.router.url, '/healthz');
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('{"status":"ok"}');
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(env.upstream.requests).toHaveLength(0);
  });

  it('answers GET /status.ok with OK', async () => {
    const reply = await request(env.router.url, '/status.ok');
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('OK');
  });

  it('answers GET /readyz with 200 while not draining', async () => {
    const reply = await request(env.router.url, '/readyz');
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ status: 'ok' });
  });

  it('proxies /healthz to the sandbox when the request carries X-Sandbox-ID', async () => {
    const reply = await request(env.router.url, '/healthz', {
      headers: { 'X-Sandbox-ID': 'my-sandbox', 'X-Sandbox-Port': String(env.upstream.port) },
    });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ method: 'GET', url: '/healthz' });
    expect(env.upstream.requests.at(-1)?.url).toBe('/healthz');
  });

  it.each(['/api/run', '/healthz/extra', '/favicon.ico'])(
    'answers 400 ROUTE_MISSING for %s without a route key',
    async (path) => {
      const reply = await request(env.router.url, path);
      expectRouterError(reply, 400, 'ROUTE_MISSING', 'X-Sandbox-ID header is required.');
    },
  );

  it('answers 400 ROUTE_MISSING for a POST to an unknown path without a route key', async () => {
    const reply = await request(env.router.url, '/run_code', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"code":"print(1)"}',
    });
    expectRouterError(reply, 400, 'ROUTE_MISSING', 'X-Sandbox-ID header is required.');
  });
});
