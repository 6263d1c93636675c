import { createHash } from 'node:crypto';
import type { Reply } from '../support/http-client.js';
import { request } from '../support/http-client.js';
import { expectRouterError } from '../support/expect-error.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { TestClock } from '../support/test-clock.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import {
  connectWs,
  nextMessage,
  refusedUpgrade,
  startWsUpstream,
  type WsUpstream,
} from '../support/ws.js';

const KEY_A = Buffer.from('route-signing-key-a');
const TOKEN = 'sandbox-secret-token';
const DOMAIN = 'sandbox.test';
const REJECTED = 'Missing or invalid secure access credential.';

/** A signed route label (OSEP-0011 short form), computed here from the SPEC §9 formula. */
function signedLabel(id: string, port: number, expiresSeconds: number, keyId = 'a', key = KEY_A) {
  const expiresB36 = expiresSeconds.toString(36);
  const canonical = Buffer.from(`v1\nshort\n${id}\n${port}\n${expiresB36}\n`);
  const be32 = (n: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(n);
    return bytes;
  };
  const hex = createHash('sha256')
    .update(Buffer.concat([be32(key.length), key, be32(canonical.length), canonical]))
    .digest('hex')
    .slice(0, 8);
  return `${id}-${port}-${expiresB36}-${hex}${keyId}`;
}

const expectRejected = (reply: Reply) => expectRouterError(reply, 401, 'UNAUTHORIZED', REJECTED);

/** OpenSandbox per-sandbox access (SPEC §9): secure-access header, signed routes. */
describe('secure access', () => {
  const clock = new TestClock();
  const expires = Math.floor(Date.now() / 1000) + 3600;
  let upstream: Upstream;
  let wsUpstream: WsUpstream;
  let router: RunningRouter;

  beforeAll(async () => {
    upstream = await startUpstream();
    wsUpstream = await startWsUpstream();
    router = await startRouter({
      config: {
        auth: { allowUnauthenticated: true, secureAccessKeys: `a=${KEY_A.toString('base64')}` },
        routing: { strategies: ['header', 'host'], host: { domains: [DOMAIN] } },
        resolution: {
          providers: ['static'],
          static: {
            sandboxes: {
              secure: { url: upstream.url, secureAccessToken: TOKEN },
              plain: upstream.url,
              'secure-ws': { url: `http://127.0.0.1:${wsUpstream.port}`, secureAccessToken: TOKEN },
            },
          },
        },
      },
      override: clock.install,
    });
  });
  afterAll(async () => {
    await router?.close();
    await wsUpstream?.close();
    await upstream?.close();
  });
  beforeEach(() => clock.setSecond(expires - 60));

  const viaHost = (label: string, headers: Record<string, string> = {}) =>
    request(router.url, '/page', { headers: { Host: `${label}.${DOMAIN}`, ...headers } });

  it('routes a sandbox without a token as before, signed label or not', async () => {
    expect((await viaHost('plain-8080')).status).toBe(200);
    expect((await viaHost('plain-8080-zz-00000000a')).status).toBe(200);
  });

  it('lets the right OpenSandbox-Secure-Access header in, trimmed, and never forwards it', async () => {
    const reply = await viaHost('secure-8080', { 'OpenSandbox-Secure-Access': `  ${TOKEN} ` });
    expect(reply.status).toBe(200);
    expect(upstream.requests.at(-1)?.headers).not.toHaveProperty('opensandbox-secure-access');
  });

  it('strips OpenSandbox-Secure-Access on the way to a sandbox without a token too', async () => {
    const reply = await viaHost('plain-8080', { 'OpenSandbox-Secure-Access': 'anything' });
    expect(reply.status).toBe(200);
    expect(upstream.requests.at(-1)?.headers).not.toHaveProperty('opensandbox-secure-access');
  });

  it.each([
    ['a wrong header', 'secure-8080', 'wrong'],
    ['an empty header', 'secure-8080', ''],
    ['a wrong header on a valid signed route (no fallback)', 'SIGNED', 'wrong'],
    ['an empty header on a valid signed route (no fallback)', 'SIGNED', ''],
  ])('answers 401 for %s', async (_case, label, header) => {
    const before = upstream.requests.length;
    const host = label === 'SIGNED' ? signedLabel('secure', 8080, expires) : label;
    expectRejected(await viaHost(host, { 'OpenSandbox-Secure-Access': header }));
    expect(upstream.requests).toHaveLength(before);
  });

  it('answers 401 for a secure sandbox reached with no credential at all', async () => {
    expectRejected(await viaHost('secure-8080'));
    expectRejected(await request(router.url, '/', { headers: { 'X-Sandbox-ID': 'secure' } }));
  });

  it('lets a signed route in through its expires second, and not one second later', async () => {
    const label = signedLabel('secure', 8080, expires);
    clock.setSecond(expires, 999);
    expect((await viaHost(label)).status).toBe(200);
    clock.setSecond(expires + 1);
    expectRejected(await viaHost(label));
  });

  it('takes the signed form from OpenSandbox-Ingress-To as from the host', async () => {
    const reply = await request(router.url, '/page', {
      headers: { 'OpenSandbox-Ingress-To': signedLabel('secure', 8080, expires) },
    });
    expect(reply.status).toBe(200);
  });

  it.each([
    ['another key', () => signedLabel('secure', 8080, expires, 'a', Buffer.from('other'))],
    ['an unknown key id', () => signedLabel('secure', 8080, expires, 'b')],
    ['another port', () => signedLabel('secure', 8080, expires).replace('-8080-', '-8081-')],
    [
      'a later expiry',
      () => signedLabel('secure', 8080, expires).replace(/-(\w+)-(\w{9})$/, '-zzzzzz-$2'),
    ],
    ['another sandbox', () => signedLabel('plain', 8080, expires).replace(/^plain/, 'secure')],
  ])('answers 401 for a route signed with %s, the same body every time', async (_case, label) => {
    expectRejected(await viaHost(label()));
  });

  it('checks WebSocket upgrades the same way', async () => {
    const url = `ws://127.0.0.1:${router.port}/`;
    expectRejected(await refusedUpgrade(url, { Host: `secure-ws-8080.${DOMAIN}` }));
    expectRejected(
      await refusedUpgrade(url, {
        Host: `secure-ws-8080.${DOMAIN}`,
        'OpenSandbox-Secure-Access': 'wrong',
      }),
    );
    const accepted: Record<string, string>[] = [
      { Host: `secure-ws-8080.${DOMAIN}`, 'OpenSandbox-Secure-Access': TOKEN },
      { Host: `${signedLabel('secure-ws', 8080, expires)}.${DOMAIN}` },
    ];
    for (const headers of accepted) {
      const ws = await connectWs(url, { headers });
      const echoed = nextMessage(ws);
      ws.send('hello');
      expect((await echoed).data.toString()).toBe('hello');
      expect(wsUpstream.requests.at(-1)?.headers).not.toHaveProperty('opensandbox-secure-access');
      ws.close();
    }
  });
});

describe('secure access without signing keys', () => {
  let upstream: Upstream;
  let router: RunningRouter;

  beforeAll(async () => {
    upstream = await startUpstream();
    router = await startRouter({
      config: {
        routing: { host: { domains: [DOMAIN] } },
        resolution: {
          providers: ['static'],
          static: { sandboxes: { secure: { url: upstream.url, secureAccessToken: TOKEN } } },
        },
      },
    });
  });
  afterAll(async () => {
    await router?.close();
    await upstream?.close();
  });

  it('answers 503 to a signed route it cannot check, and still takes the header', async () => {
    const label = signedLabel('secure', 8080, Math.floor(Date.now() / 1000) + 60);
    const signed = await request(router.url, '/', { headers: { Host: `${label}.${DOMAIN}` } });
    expectRouterError(
      signed,
      503,
      'SANDBOX_NOT_READY',
      'Signed routes are not configured on this router.',
    );
    const withHeader = await request(router.url, '/', {
      headers: { Host: `${label}.${DOMAIN}`, 'OpenSandbox-Secure-Access': TOKEN },
    });
    expect(withHeader.status).toBe(200);
  });
});
