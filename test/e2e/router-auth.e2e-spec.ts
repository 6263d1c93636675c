import { loadRouterConfig } from '../../src/modules/config/config.loader.js';
import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

/** agent-sandbox router auth (SPEC §9): one bearer token, consumed by the router. */
describe('router auth', () => {
  let upstream: Upstream;
  let router: RunningRouter;

  beforeAll(async () => {
    upstream = await startUpstream();
    // Through the loader, so the env's whitespace trimming is part of what is tested.
    const { config } = loadRouterConfig({ env: { ROUTER_AUTH_TOKEN: ' secret ' }, argv: [] });
    router = await startRouter({ lookup: new MappedLookup(), config });
  });
  afterAll(async () => {
    await router.close();
    await upstream.close();
  });

  const send = (authorization?: string) =>
    request(router.url, '/private', {
      headers: {
        'X-Sandbox-ID': 'my-sandbox',
        'X-Sandbox-Port': String(upstream.port),
        ...(authorization === undefined ? {} : { Authorization: authorization }),
      },
    });

  it('proxies a request with the right token and does not forward Authorization', async () => {
    const before = upstream.requests.length;
    const reply = await send('Bearer secret');
    expect(reply.status).toBe(200);
    expect(upstream.requests).toHaveLength(before + 1);
    expect(upstream.requests.at(-1)?.headers).not.toHaveProperty('authorization');
  });

  it('accepts the scheme in any case', async () => {
    expect((await send('bearer secret')).status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a Basic credential', 'Basic x'],
    ['a Bearer scheme with no token', 'Bearer'],
    ['a Bearer scheme with only spaces', 'Bearer   '],
    ['a bare token', 'secret'],
  ])('answers 401 UNAUTHORIZED for %s', async (_case, authorization) => {
    const before = upstream.requests.length;
    const reply = await send(authorization);
    expectRouterError(reply, 401, 'UNAUTHORIZED', 'Missing or invalid Authorization header.');
    expect(reply.headers['www-authenticate']).toBe('Bearer');
    expect(upstream.requests).toHaveLength(before);
  });

  it.each(['Bearer wrong', 'Bearer secret2', 'Bearer secre', 'Bearer SECRET'])(
    'answers 401 Invalid token. for %j',
    async (authorization) => {
      const reply = await send(authorization);
      expectRouterError(reply, 401, 'UNAUTHORIZED', 'Invalid token.');
    },
  );

  it('checks the token before the route, so a bad route still answers 401', async () => {
    const reply = await request(router.url, '/', { headers: { 'X-Sandbox-ID': 'Bad.Id' } });
    expectRouterError(reply, 401, 'UNAUTHORIZED', 'Missing or invalid Authorization header.');
  });

  it.each(['/healthz', '/status.ok', '/readyz'])('keeps %s open without a token', async (path) => {
    expect((await request(router.url, path)).status).toBe(200);
  });
});

describe('router auth off', () => {
  let upstream: Upstream;
  let router: RunningRouter;

  beforeAll(async () => {
    upstream = await startUpstream();
    router = await startRouter({
      lookup: new MappedLookup(),
      config: { auth: { allowUnauthenticated: true } },
    });
  });
  afterAll(async () => {
    await router.close();
    await upstream.close();
  });

  it("forwards the client's Authorization, meant for the sandbox, untouched", async () => {
    const reply = await request(router.url, '/', {
      headers: {
        'X-Sandbox-ID': 'my-sandbox',
        'X-Sandbox-Port': String(upstream.port),
        Authorization: 'Bearer for-the-sandbox',
      },
    });
    expect(reply.status).toBe(200);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer for-the-sandbox');
  });
});
