import { SCOPED_TOKEN_SECRET as SECRET, scopedToken } from '../support/auth-tokens.js';
import { expectRouterError } from '../support/expect-error.js';
import { type Reply, request } from '../support/http-client.js';
import { staticSandboxes, useRouter } from '../support/router-app.js';
import { TestClock } from '../support/test-clock.js';
import { connectWs, nextMessage, refusedUpgrade } from '../support/ws.js';

const DOMAIN = 'sandbox.test';
const REJECTED = 'Missing or invalid scoped token.';
const FORBIDDEN = 'Access to this sandbox is forbidden.';

const expectRejected = (reply: Reply) => {
  expectRouterError(reply, 401, 'UNAUTHORIZED', REJECTED);
  expect(reply.headers['www-authenticate']).toBe('Bearer');
};
const expectForbidden = (reply: Reply) => expectRouterError(reply, 403, 'FORBIDDEN', FORBIDDEN);

/** agent-sandbox scoped tokens (SPEC §9, `auth.mode: scoped-token`). */
describe('scoped tokens', () => {
  const clock = new TestClock();
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const good = scopedToken({ ns: 'default', name: 'sb', exp });
  const env = useRouter({
    config: ({ upstream, wsUpstream }) => ({
      // Padded: the secret is trimmed, as SCOPED_TOKEN_SECRET is.
      auth: { mode: 'scoped-token', scopedTokenSecret: `  ${SECRET}\n` },
      routing: { strategies: ['header', 'host'], host: { domains: [DOMAIN] } },
      resolution: staticSandboxes({
        sb: upstream.url,
        other: upstream.url,
        ws: `http://127.0.0.1:${wsUpstream.port}`,
      }),
      pool: { workers: [{ url: upstream.url }], healthCheckIntervalSeconds: 3600 },
    }),
    override: clock.install,
  });
  beforeEach(() => clock.setSecond(exp - 60));

  const send = (token: string | undefined, headers: Record<string, string> = {}) =>
    request(env.router.url, '/work', {
      headers: {
        'X-Sandbox-ID': 'sb',
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
        ...headers,
      },
    });

  it('lets a token for the sandbox in and never forwards Authorization', async () => {
    const reply = await send(good);
    expect(reply.status).toBe(200);
    expect(env.upstream.requests.at(-1)?.headers).not.toHaveProperty('authorization');
  });

  it('takes a token for the default namespace on a host route, which names none', async () => {
    const reply = await request(env.router.url, '/', {
      headers: { Host: `sb-8080.${DOMAIN}`, Authorization: `Bearer ${good}` },
    });
    expect(reply.status).toBe(200);
  });

  it('accepts a token up to the second before exp and refuses it at exp', async () => {
    clock.setSecond(exp - 1, 999);
    expect((await send(good)).status).toBe(200);
    clock.setSecond(exp);
    expectRejected(await send(good));
  });

  it.each([
    ['no Authorization header', undefined],
    ['an empty token', ''],
    [
      'a token signed with another secret',
      scopedToken({ ns: 'default', name: 'sb', exp: 2e9 }, 'x'.repeat(32)),
    ],
    ['a tampered payload', good.replace(/\.(.)/, '.A$1')],
    ['a token without exp', scopedToken({ ns: 'default', name: 'sb' })],
    ['a malformed token', 'v1.abc'],
    ['the shared-token form', SECRET],
  ])('answers 401 for %s, with the same body every time', async (_case, token) => {
    const before = env.upstream.requests.length;
    expectRejected(await send(token));
    expect(env.upstream.requests).toHaveLength(before);
  });

  it('checks the token before the route, so a bad route or an unknown sandbox still answers 401', async () => {
    expectRejected(await send(undefined, { 'X-Sandbox-ID': 'Bad.Id' }));
    expectRejected(await send('bad', { 'X-Sandbox-ID': 'unknown' }));
    const badRoute = await send(good, { 'X-Sandbox-ID': 'Bad.Id' });
    expectRouterError(badRoute, 400, 'ROUTE_INVALID', 'Invalid sandbox ID format.');
  });

  it.each([
    ['another sandbox', { 'X-Sandbox-ID': 'other' }],
    ['another namespace', { 'X-Sandbox-Namespace': 'team-b' }],
    ['an X-Sandbox-Pod-IP header', { 'X-Sandbox-Pod-IP': '10.0.0.7' }],
    ['an X-Sandbox-UID header', { 'X-Sandbox-UID': 'abc' }],
  ])('answers 403 FORBIDDEN to a valid token with %s', async (_case, headers) => {
    const before = env.upstream.requests.length;
    expectForbidden(await send(good, headers));
    expect(env.upstream.requests).toHaveLength(before);
  });

  it('answers 403 to a token for another namespace on a host route', async () => {
    const token = scopedToken({ ns: 'team-b', name: 'sb', exp });
    const reply = await request(env.router.url, '/', {
      headers: { Host: `sb-8080.${DOMAIN}`, Authorization: `Bearer ${token}` },
    });
    expectForbidden(reply);
  });

  it('refuses the worker pool: 401 without a valid token, 403 with one (it names a sandbox)', async () => {
    expectRejected(await request(env.router.url, '/run_code', { method: 'POST', body: '{}' }));
    const reply = await request(env.router.url, '/run_code', {
      method: 'POST',
      body: '{}',
      headers: { Authorization: `Bearer ${good}` },
    });
    expectForbidden(reply);
  });

  it('keeps the router endpoints open', async () => {
    expect((await request(env.router.url, '/healthz')).status).toBe(200);
  });

  it('checks WebSocket upgrades the same way', async () => {
    const url = `ws://127.0.0.1:${env.router.port}/`;
    const wsToken = scopedToken({ ns: 'default', name: 'ws', exp });
    expectRejected(await refusedUpgrade(url, { 'X-Sandbox-ID': 'ws' }));
    expectRejected(await refusedUpgrade(url, { 'X-Sandbox-ID': 'ws', Authorization: 'Bearer x' }));
    expectForbidden(
      await refusedUpgrade(url, { 'X-Sandbox-ID': 'ws', Authorization: `Bearer ${good}` }),
    );
    const ws = await connectWs(url, {
      headers: { 'X-Sandbox-ID': 'ws', Authorization: `Bearer ${wsToken}` },
    });
    const echoed = nextMessage(ws);
    ws.send('hi');
    expect((await echoed).data.toString()).toBe('hi');
    expect(env.wsUpstream.requests.at(-1)?.headers).not.toHaveProperty('authorization');
    ws.close();
  });
});
