import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

/** `X-Sandbox-Pod-IP` (SPEC §2): a literal target, vetted, and only when routing.allowPodIp. */
describe('X-Sandbox-Pod-IP', () => {
  let upstream: Upstream;

  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(() => upstream.close());

  describe('with routing.allowPodIp true', () => {
    let router: RunningRouter;
    let lookup: MappedLookup;

    beforeAll(async () => {
      // The seam maps the pod address to 127.0.0.1, so no traffic leaves loopback.
      lookup = new MappedLookup();
      router = await startRouter({ lookup, config: { routing: { allowPodIp: true } } });
    });
    afterAll(() => router.close());

    const send = (podIp: string) =>
      request(router.url, '/pod', {
        headers: {
          'X-Sandbox-ID': 'my-sandbox',
          'X-Sandbox-Port': String(upstream.port),
          'X-Sandbox-Pod-IP': podIp,
        },
      });

    it('connects to a valid pod IP instead of the DNS name', async () => {
      const reply = await send('10.20.30.40');
      expect(reply.status).toBe(200);
      expect(lookup.seen.at(-1)).toBe('10.20.30.40');
      expect(reply.json<{ headers: Record<string, string> }>().headers.host).toBe(
        `10.20.30.40:${upstream.port}`,
      );
    });

    it('never forwards X-Sandbox-Pod-IP', async () => {
      const reply = await send('10.20.30.40');
      expect(reply.json<{ headers: Record<string, string> }>().headers).not.toHaveProperty(
        'x-sandbox-pod-ip',
      );
    });

    it.each(['not-a-ip', '999.999.999.999', '10.20.30'])(
      'answers 400 ROUTE_INVALID for the malformed pod IP %j',
      async (podIp) => {
        const reply = await send(podIp);
        expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid target IP address format.');
      },
    );

    it.each(['127.0.0.1', '::1', '169.254.169.254', 'fe80::1', '224.0.0.1', '0.0.0.0', '::'])(
      'answers 400 ROUTE_INVALID for the refused pod IP %s',
      async (podIp) => {
        const before = lookup.seen.length;
        const reply = await send(podIp);
        expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid target IP address.');
        expect(lookup.seen).toHaveLength(before);
      },
    );
  });

  describe('with routing.allowPodIp false', () => {
    let router: RunningRouter;
    let lookup: MappedLookup;

    beforeAll(async () => {
      lookup = new MappedLookup();
      router = await startRouter({ lookup, config: { routing: { allowPodIp: false } } });
    });
    afterAll(() => router.close());

    it.each(['10.20.30.40', 'not-a-ip', '127.0.0.1'])(
      'ignores the pod IP %j and routes by DNS name',
      async (podIp) => {
        const reply = await request(router.url, '/', {
          headers: {
            'X-Sandbox-ID': 'my-sandbox',
            'X-Sandbox-Port': String(upstream.port),
            'X-Sandbox-Pod-IP': podIp,
          },
        });
        expect(reply.status).toBe(200);
        expect(lookup.seen.at(-1)).toBe('my-sandbox.default.svc.cluster.local');
        expect(reply.json<{ headers: Record<string, string> }>().headers).not.toHaveProperty(
          'x-sandbox-pod-ip',
        );
      },
    );
  });
});
