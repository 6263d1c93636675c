import { SCOPED_TOKEN_SECRET, scopedToken, seenByUpstream } from '../support/auth-tokens.js';
import { expectRouterError } from '../support/expect-error.js';
import { type Reply, request } from '../support/http-client.js';
import { staticSandboxes, useRouter } from '../support/router-app.js';
import { TestClock } from '../support/test-clock.js';
import { connectWs, nextMessage, refusedUpgrade } from '../support/ws.js';

const DOMAIN = 'sandbox.test';
const APP = 'https://app.example.com';

/** Browser sessions (SPEC §9, agent-sandbox's cookie flow) with scoped tokens and host routing. */
describe('browser sessions, host routing', () => {
  const clock = new TestClock();
  const now = Math.floor(Date.now() / 1000);
  const tokenA = scopedToken({ ns: 'default', name: 'a', exp: now + 600 });
  const tokenLong = scopedToken({ ns: 'default', name: 'a', exp: now + 86_400 });
  const tokenWs = scopedToken({ ns: 'default', name: 'ws', exp: now + 600 });
  const env = useRouter({
    config: ({ upstream, wsUpstream }) => ({
      auth: {
        mode: 'scoped-token',
        scopedTokenSecret: SCOPED_TOKEN_SECRET,
        cookie: { enabled: true, allowedOrigins: [APP] },
      },
      routing: { strategies: ['host'], host: { domains: [DOMAIN] } },
      resolution: staticSandboxes({
        a: upstream.url,
        b: upstream.url,
        ws: `http://127.0.0.1:${wsUpstream.port}`,
      }),
    }),
    override: clock.install,
  });
  beforeEach(() => clock.setSecond(now));

  const get = (sandbox: string, path: string, headers: Record<string, string> = {}) =>
    request(env.router.url, path, { headers: { Host: `${sandbox}-8080.${DOMAIN}`, ...headers } });

  /** The `Set-Cookie` attributes, by lower-case name (`name=value` first). */
  const cookieOf = (reply: Reply) => {
    const [setCookie] = reply.headers['set-cookie'] ?? [];
    const [pair, ...attributes] = setCookie.split('; ');
    return {
      pair,
      attributes: Object.fromEntries(
        attributes.map((attribute) => {
          const [name, value = true] = attribute.split('=');
          return [name.toLowerCase(), value];
        }),
      ),
    };
  };

  it('answers a navigation with the token in the query 302 to the same URL, setting a host-only cookie', async () => {
    const before = env.upstream.requests.length;
    const reply = await get('a', `/app/%2E/x?tab=1&sandbox_token=${tokenA}&b=2`);
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('/app/%2E/x?tab=1&b=2');
    expect(reply.headers['cache-control']).toBe('no-store');
    const cookie = cookieOf(reply);
    expect(cookie.pair).toBe(`sandbox_session=${tokenA}`);
    expect(cookie.attributes).toEqual({
      httponly: true,
      secure: true,
      samesite: 'Lax',
      path: '/',
      'max-age': '600',
    });
    expect(env.upstream.requests).toHaveLength(before);
  });

  it('never lets the cookie outlive auth.cookie.maxAgeSeconds', async () => {
    const reply = await get('a', `/?sandbox_token=${tokenLong}`);
    expect(reply.headers.location).toBe('/');
    expect(cookieOf(reply).attributes['max-age']).toBe('3600');
  });

  it('authenticates later requests with the cookie alone and forwards only the other cookies', async () => {
    const reply = await get('a', '/page', { Cookie: `theme=dark; sandbox_session=${tokenA}; x=1` });
    expect(reply.status).toBe(200);
    const seen = env.upstream.requests.at(-1)!;
    expect(seen.headers.cookie).toBe('theme=dark; x=1');
    expect(seen.headers).not.toHaveProperty('authorization');
  });

  it("gives nothing to another sandbox's host: no cookie there is 401, this one's is 403", async () => {
    const withoutCookie = await get('b', '/page');
    expectRouterError(withoutCookie, 401, 'UNAUTHORIZED', 'Missing or invalid scoped token.');
    const withForeignCookie = await get('b', '/page', { Cookie: `sandbox_session=${tokenA}` });
    expectRouterError(withForeignCookie, 403, 'FORBIDDEN', 'Access to this sandbox is forbidden.');
  });

  it.each([
    ['a bad token', 'nonsense'],
    ['an empty token', ''],
    ["another sandbox's token", tokenWs],
  ])('sets no cookie for %s in the query', async (_case, token) => {
    const reply = await get('a', `/?sandbox_token=${encodeURIComponent(token)}`);
    expect([401, 403]).toContain(reply.status);
    expect(reply.headers).not.toHaveProperty('set-cookie');
  });

  it('sets no cookie for an expired token, checked against the clock', async () => {
    clock.setSecond(now + 600);
    const reply = await get('a', `/?sandbox_token=${tokenA}`);
    expectRouterError(reply, 401, 'UNAUTHORIZED', 'Missing or invalid scoped token.');
    expect(reply.headers).not.toHaveProperty('set-cookie');
    expectRouterError(
      await get('a', '/', { Cookie: `sandbox_session=${tokenA}` }),
      401,
      'UNAUTHORIZED',
      'Missing or invalid scoped token.',
    );
  });

  it('exchanges only navigations: a POST loses the parameter on its way to the sandbox', async () => {
    const reply = await request(env.router.url, `/submit?sandbox_token=${tokenA}&x=1`, {
      method: 'POST',
      body: 'x',
      headers: { Host: `a-8080.${DOMAIN}`, Authorization: `Bearer ${tokenA}` },
    });
    expect(reply.status).toBe(200);
    expect(env.upstream.requests.at(-1)?.url).toBe('/submit?x=1');
  });

  it('does not take the parameter as a credential outside a navigation', async () => {
    const reply = await request(env.router.url, `/submit?sandbox_token=${tokenA}`, {
      method: 'POST',
      body: 'x',
      headers: { Host: `a-8080.${DOMAIN}` },
    });
    expectRouterError(reply, 401, 'UNAUTHORIZED', 'Missing or invalid scoped token.');
  });

  describe('WebSocket upgrades with the cookie', () => {
    const url = () => `ws://127.0.0.1:${env.router.port}/socket`;
    const headers = (origin?: string) => ({
      Host: `ws-8080.${DOMAIN}`,
      Cookie: `sandbox_session=${tokenWs}; other=1`,
      ...(origin === undefined ? {} : { Origin: origin }),
    });

    it.each([
      ['an allowed Origin', APP],
      ["the sandbox's own origin", `https://ws-8080.${DOMAIN}`],
      ['no Origin (not a browser)', undefined],
    ])('opens one from %s', async (_case, origin) => {
      const ws = await connectWs(url(), { headers: headers(origin) });
      const echoed = nextMessage(ws);
      ws.send('ping');
      expect((await echoed).data.toString()).toBe('ping');
      expect(env.wsUpstream.requests.at(-1)?.headers.cookie).toBe('other=1');
      ws.close();
    });

    it.each([
      ['a foreign Origin', 'https://evil.example.com'],
      ['an allowed origin with another port', `${APP}:8443`],
      ['an opaque origin', 'null'],
    ])('refuses one from %s with 403', async (_case, origin) => {
      const reply = await refusedUpgrade(url(), headers(origin));
      expectRouterError(reply, 403, 'FORBIDDEN', 'Access to this sandbox is forbidden.');
    });

    it('lets any Origin through when the upgrade authenticates with a header, not the cookie', async () => {
      const ws = await connectWs(url(), {
        headers: {
          Host: `ws-8080.${DOMAIN}`,
          Origin: 'https://evil.example.com',
          Authorization: `Bearer ${tokenWs}`,
        },
      });
      ws.close();
    });
  });

  it('never forwards a credential: not the token, the cookie or the query parameter', () => {
    const seen = seenByUpstream(env.upstream) + seenByUpstream(env.wsUpstream);
    for (const token of [tokenA, tokenLong, tokenWs]) expect(seen).not.toContain(token);
    expect(seen).not.toContain('sandbox_token');
    expect(seen).not.toContain('sandbox_session');
    expect(seen.toLowerCase()).not.toContain('authorization');
  });
});

/** The OpenSandbox secure-access token in a browser session, with path routing and plain http. */
describe('browser sessions, path routing, secure access', () => {
  const TOKEN = 'secure/access token';
  const env = useRouter({
    config: ({ upstream }) => ({
      auth: { allowUnauthenticated: true, cookie: { enabled: true, insecure: true } },
      routing: { strategies: ['path'], path: { prefix: '/s' } },
      resolution: staticSandboxes({
        sec: { url: upstream.url, secureAccessToken: TOKEN },
        open: upstream.url,
      }),
    }),
  });

  it('scopes the cookie to the sandbox path prefix, without Secure when insecure is set', async () => {
    const reply = await request(
      env.router.url,
      `/s/sec/8080/ui?sandbox_token=${encodeURIComponent(TOKEN)}`,
    );
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('/s/sec/8080/ui');
    expect(reply.headers['set-cookie']).toEqual([
      `sandbox_session=${encodeURIComponent(TOKEN)}; HttpOnly; SameSite=Lax; Path=/s/sec/8080; Max-Age=3600`,
    ]);
    const later = await request(env.router.url, '/s/sec/8080/ui', {
      headers: { Cookie: `sandbox_session=${encodeURIComponent(TOKEN)}` },
    });
    expect(later.status).toBe(200);
    expect(env.upstream.requests.at(-1)?.headers).not.toHaveProperty('cookie');
  });

  it('answers 401 to a wrong token in the query or the cookie, setting nothing', async () => {
    const query = await request(env.router.url, '/s/sec/8080/?sandbox_token=wrong');
    expectRouterError(query, 401, 'UNAUTHORIZED', 'Missing or invalid secure access credential.');
    expect(query.headers).not.toHaveProperty('set-cookie');
    const cookie = await request(env.router.url, '/s/sec/8080/', {
      headers: { Cookie: 'sandbox_session=wrong' },
    });
    expectRouterError(cookie, 401, 'UNAUTHORIZED', 'Missing or invalid secure access credential.');
  });

  it('strips a parameter no check needed with a 302 that sets no cookie', async () => {
    const before = env.upstream.requests.length;
    const reply = await request(env.router.url, '/s/open/8080/x?sandbox_token=t&y=1');
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('/s/open/8080/x?y=1');
    expect(reply.headers).not.toHaveProperty('set-cookie');
    expect(env.upstream.requests).toHaveLength(before);
  });

  it('never redirects off the host, whatever the request target', async () => {
    const reply = await request(env.router.url, '//s/open/8080/x?sandbox_token=t');
    expect(reply.headers.location ?? '').not.toMatch(/^\/\//);
  });
});

/** The shared bearer token in a browser session: no expiry of its own, so maxAgeSeconds. */
describe('browser sessions, bearer token', () => {
  const env = useRouter({
    config: ({ upstream }) => ({
      auth: { token: 'shared-secret', cookie: { enabled: true, maxAgeSeconds: 900 } },
      routing: { host: { domains: [DOMAIN] } },
      resolution: staticSandboxes({ a: upstream.url }),
    }),
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    request(env.router.url, path, { headers: { Host: `a-8080.${DOMAIN}`, ...headers } });

  it('exchanges the token for a cookie that then stands in for Authorization', async () => {
    const reply = await get('/?sandbox_token=shared-secret');
    expect(reply.status).toBe(302);
    expect(reply.headers['set-cookie']).toEqual([
      'sandbox_session=shared-secret; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=900',
    ]);
    expect((await get('/', { Cookie: 'sandbox_session=shared-secret' })).status).toBe(200);
    const wrong = await get('/?sandbox_token=nope');
    expectRouterError(wrong, 401, 'UNAUTHORIZED', 'Invalid token.');
    expect(wrong.headers).not.toHaveProperty('set-cookie');
  });

  it('lets an Authorization header win over the cookie', async () => {
    const reply = await get('/', {
      Authorization: 'Bearer wrong',
      Cookie: 'sandbox_session=shared-secret',
    });
    expectRouterError(reply, 401, 'UNAUTHORIZED', 'Invalid token.');
  });
});
