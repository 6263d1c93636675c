import { type SignedRoute, signedLabel } from '../support/auth-tokens.js';
import { expectRouterError } from '../support/expect-error.js';
import { type Reply, request } from '../support/http-client.js';
import { staticSandboxes, useRouter } from '../support/router-app.js';
import { TestClock } from '../support/test-clock.js';
import { connectWs, nextMessage, refusedUpgrade } from '../support/ws.js';

const KEY_A = Buffer.from('route-signing-key-a');
const TOKEN = 'sandbox-secret-token';
const DOMAIN = 'sandbox.test';
const REJECTED = 'Missing or invalid secure access credential.';

/** The label of `id` on port 8080 signed with key `a`, but for what `route` changes. */
const labelOf = (id: string, expiresSeconds: number, route: Partial<SignedRoute> = {}) =>
  signedLabel({ id, port: 8080, expiresSeconds, keyId: 'a', key: KEY_A, ...route });

const expectRejected = (reply: Reply) => expectRouterError(reply, 401, 'UNAUTHORIZED', REJECTED);

/** OpenSandbox per-sandbox access (SPEC §9): secure-access header, signed routes. */
describe('secure access', () => {
  const clock = new TestClock();
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const env = useRouter({
    config: ({ upstream, wsUpstream }) => ({
      auth: { allowUnauthenticated: true, secureAccessKeys: `a=${KEY_A.toString('base64')}` },
      routing: { strategies: ['header', 'host'], host: { domains: [DOMAIN] } },
      resolution: staticSandboxes({
        secure: { url: upstream.url, secureAccessToken: TOKEN },
        plain: upstream.url,
        'secure-ws': { url: `http://127.0.0.1:${wsUpstream.port}`, secureAccessToken: TOKEN },
      }),
    }),
    override: clock.install,
  });
  beforeEach(() => clock.setSecond(expires - 60));

  const viaHost = (label: string, headers: Record<string, string> = {}) =>
    request(env.router.url, '/page', { headers: { Host: `${label}.${DOMAIN}`, ...headers } });

  it('routes a sandbox without a token as before, signed label or not', async () => {
    expect((await viaHost('plain-8080')).status).toBe(200);
    expect((await viaHost('plain-8080-zz-00000000a')).status).toBe(200);
  });

  it('lets the right OpenSandbox-Secure-Access header in, trimmed, and never forwards it', async () => {
    const reply = await viaHost('secure-8080', { 'OpenSandbox-Secure-Access': `  ${TOKEN} ` });
    expect(reply.status).toBe(200);
    expect(env.upstream.requests.at(-1)?.headers).not.toHaveProperty('opensandbox-secure-access');
  });

  it('strips OpenSandbox-Secure-Access on the way to a sandbox without a token too', async () => {
    const reply = await viaHost('plain-8080', { 'OpenSandbox-Secure-Access': 'anything' });
    expect(reply.status).toBe(200);
    expect(env.upstream.requests.at(-1)?.headers).not.toHaveProperty('opensandbox-secure-access');
  });

  it.each([
    ['a wrong header', 'secure-8080', 'wrong'],
    ['an empty header', 'secure-8080', ''],
    ['a wrong header on a valid signed route (no fallback)', 'SIGNED', 'wrong'],
    ['an empty header on a valid signed route (no fallback)', 'SIGNED', ''],
  ])('answers 401 for %s', async (_case, label, header) => {
    const before = env.upstream.requests.length;
    const host = label === 'SIGNED' ? labelOf('secure', expires) : label;
    expectRejected(await viaHost(host, { 'OpenSandbox-Secure-Access': header }));
    expect(env.upstream.requests).toHaveLength(before);
  });

  it('answers 401 for a secure sandbox reached with no credential at all', async () => {
    expectRejected(await viaHost('secure-8080'));
    expectRejected(await request(env.router.url, '/', { headers: { 'X-Sandbox-ID': 'secure' } }));
  });

  it('lets a signed route in through its expires second, and not one second later', async () => {
    const label = labelOf('secure', expires);
    clock.setSecond(expires, 999);
    expect((await viaHost(label)).status).toBe(200);
    clock.setSecond(expires + 1);
    expectRejected(await viaHost(label));
  });

  it('takes the signed form from OpenSandbox-Ingress-To as from the host', async () => {
    const reply = await request(env.router.url, '/page', {
      headers: { 'OpenSandbox-Ingress-To': labelOf('secure', expires) },
    });
    expect(reply.status).toBe(200);
  });

  it.each([
    ['another key', () => labelOf('secure', expires, { key: Buffer.from('other') })],
    ['an unknown key id', () => labelOf('secure', expires, { keyId: 'b' })],
    ['another port', () => labelOf('secure', expires).replace('-8080-', '-8081-')],
    ['a later expiry', () => labelOf('secure', expires).replace(/-(\w+)-(\w{9})$/, '-zzzzzz-$2')],
    ['another sandbox', () => labelOf('plain', expires).replace(/^plain/, 'secure')],
  ])('answers 401 for a route signed with %s, the same body every time', async (_case, label) => {
    expectRejected(await viaHost(label()));
  });

  it('checks WebSocket upgrades the same way', async () => {
    const url = `ws://127.0.0.1:${env.router.port}/`;
    expectRejected(await refusedUpgrade(url, { Host: `secure-ws-8080.${DOMAIN}` }));
    expectRejected(
      await refusedUpgrade(url, {
        Host: `secure-ws-8080.${DOMAIN}`,
        'OpenSandbox-Secure-Access': 'wrong',
      }),
    );
    const accepted: Record<string, string>[] = [
      { Host: `secure-ws-8080.${DOMAIN}`, 'OpenSandbox-Secure-Access': TOKEN },
      { Host: `${labelOf('secure-ws', expires)}.${DOMAIN}` },
    ];
    for (const headers of accepted) {
      const ws = await connectWs(url, { headers });
      const echoed = nextMessage(ws);
      ws.send('hello');
      expect((await echoed).data.toString()).toBe('hello');
      expect(env.wsUpstream.requests.at(-1)?.headers).not.toHaveProperty(
        'opensandbox-secure-access',
      );
      ws.close();
    }
  });
});

describe('secure access without signing keys', () => {
  const env = useRouter({
    config: ({ upstream }) => ({
      routing: { host: { domains: [DOMAIN] } },
      resolution: staticSandboxes({ secure: { url: upstream.url, secureAccessToken: TOKEN } }),
    }),
  });

  it('answers 503 to a signed route it cannot check, and still takes the header', async () => {
    const label = labelOf('secure', Math.floor(Date.now() / 1000) + 60);
    const signed = await request(env.router.url, '/', { headers: { Host: `${label}.${DOMAIN}` } });
    expectRouterError(
      signed,
      503,
      'SANDBOX_NOT_READY',
      'Signed routes are not configured on this router.',
    );
    const withHeader = await request(env.router.url, '/', {
      headers: { Host: `${label}.${DOMAIN}`, 'OpenSandbox-Secure-Access': TOKEN },
    });
    expect(withHeader.status).toBe(200);
  });
});
