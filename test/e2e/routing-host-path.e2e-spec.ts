import type { ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { echo, startUpstream, type Upstream } from '../support/upstream.js';

interface Echoed {
  url: string;
  headers: Record<string, string>;
}

/**
 * Host, OpenSandbox header and path routing end to end: the static provider maps sandbox ids
 * to real upstreams on 127.0.0.1 (it ignores the port in the route), so what each upstream
 * receives shows what the router made of the request.
 */
describe('host, OpenSandbox header and path routing', () => {
  let sandbox: Upstream;
  let webApp: Upstream;
  let live: Upstream;
  let liveSockets: WebSocketServer;
  let router: RunningRouter;

  beforeAll(async () => {
    sandbox = await startUpstream();
    // A sandbox that redirects and sets cookies as if it owned the whole origin.
    webApp = await startUpstream((req, res: ServerResponse) => {
      if (req.url === '/login') {
        res.writeHead(302, {
          location: '/home?welcome=1',
          'set-cookie': ['sid=abc; Path=/; HttpOnly', 'pref=dark; Path=/settings', 'plain=1'],
        });
        return void res.end();
      }
      if (req.url === '/absolute') {
        res.writeHead(301, { location: `http://${req.headers.host}/moved` });
        return void res.end();
      }
      if (req.url === '/elsewhere') {
        res.writeHead(302, { location: 'https://accounts.example.org/auth' });
        return void res.end();
      }
      echo(req, res);
    });
    // A WebSocket sandbox that answers each message with the path its handshake asked for.
    live = await startUpstream();
    liveSockets = new WebSocketServer({ server: live.server });
    liveSockets.on('connection', (socket, req) =>
      socket.on('message', () => socket.send(req.url ?? '')),
    );
    router = await startRouter({
      lookup: new MappedLookup(),
      config: {
        routing: {
          strategies: ['header', 'host', 'path'],
          host: { domains: ['sandbox.test'] },
          path: { prefix: '/prefix' },
        },
        resolution: {
          providers: ['static'],
          static: {
            sandboxes: {
              sb: sandbox.url,
              'alpha-beta': sandbox.url,
              web: webApp.url,
              live: live.url,
            },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await router.close();
    await sandbox.close();
    await webApp.close();
    await new Promise((resolve) => liveSockets.close(resolve));
    await live.close();
  });

  describe('host', () => {
    it('routes alpha-beta-8080.sandbox.test to sandbox alpha-beta with the path untouched', async () => {
      const reply = await request(router.url, '/hello?a=1&b=2', {
        headers: { host: 'alpha-beta-8080.sandbox.test' },
      });
      expect(reply.status).toBe(200);
      const seen = reply.json<Echoed>();
      expect(seen.url).toBe('/hello?a=1&b=2');
      expect(seen.headers.host).toBe(`127.0.0.1:${sandbox.port}`);
      expect(seen.headers['x-forwarded-host']).toBe('alpha-beta-8080.sandbox.test');
    });

    it('proxies a sandbox host’s own /healthz instead of answering it', async () => {
      const reply = await request(router.url, '/healthz', {
        headers: { host: 'sb-8080.sandbox.test' },
      });
      expect(reply.json<Echoed>().url).toBe('/healthz');
      expect(sandbox.requests.at(-1)?.url).toBe('/healthz');
    });

    it('answers 400 ROUTE_INVALID for a malformed label under the domain', async () => {
      const reply = await request(router.url, '/', { headers: { host: 'sb-08080.sandbox.test' } });
      expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid host label.');
    });

    it('leaves hosts outside the configured domains to the router’s own endpoints', async () => {
      const reply = await request(router.url, '/healthz', {
        headers: { host: 'sb-8080.other.test' },
      });
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual({ status: 'ok' });
    });

    it('ignores X-Forwarded-Host from a peer that is not a trusted proxy', async () => {
      const reply = await request(router.url, '/hello', {
        headers: { host: 'router.local', 'x-forwarded-host': 'sb-8080.sandbox.test' },
      });
      expectRouterError(reply, 400, 'ROUTE_MISSING', 'X-Sandbox-ID header is required.');
    });

    it('routes by X-Forwarded-Host when the peer is a trusted proxy', async () => {
      const behindProxy = await startRouter({
        lookup: new MappedLookup(),
        config: {
          trustedProxyCidrs: ['127.0.0.0/8'],
          routing: { host: { domains: ['sandbox.test'] } },
          resolution: { providers: ['static'], static: { sandboxes: { sb: sandbox.url } } },
        },
      });
      try {
        const reply = await request(behindProxy.url, '/hello', {
          headers: { host: 'router.local', 'x-forwarded-host': 'sb-8080.sandbox.test' },
        });
        expect(reply.status).toBe(200);
        expect(reply.json<Echoed>().url).toBe('/hello');
      } finally {
        await behindProxy.close();
      }
    });
  });

  describe('OpenSandbox header', () => {
    it('routes OpenSandbox-Ingress-To: sb-8080 and does not forward the header', async () => {
      const reply = await request(router.url, '/hello', {
        headers: { 'OpenSandbox-Ingress-To': 'sb-8080', 'OPEN-SANDBOX-INGRESS': 'web-1' },
      });
      expect(reply.status).toBe(200);
      const seen = reply.json<Echoed>();
      expect(sandbox.requests.at(-1)?.url).toBe('/hello');
      expect(seen.headers).not.toHaveProperty('opensandbox-ingress-to');
      expect(seen.headers).not.toHaveProperty('open-sandbox-ingress');
    });

    it('routes the deprecated OPEN-SANDBOX-INGRESS header', async () => {
      const reply = await request(router.url, '/via-old', {
        headers: { 'OPEN-SANDBOX-INGRESS': 'web-3000' },
      });
      expect(reply.status).toBe(200);
      expect(webApp.requests.at(-1)?.url).toBe('/via-old');
    });

    it('answers 400 ROUTE_INVALID for a port out of range', async () => {
      const reply = await request(router.url, '/', {
        headers: { 'OpenSandbox-Ingress-To': 'sb-99999' },
      });
      expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid OpenSandbox-Ingress-To header.');
    });

    it('answers 404 SANDBOX_NOT_FOUND for a sandbox no provider knows', async () => {
      const reply = await request(router.url, '/', {
        headers: { 'OpenSandbox-Ingress-To': 'ghost-8080' },
      });
      expect(reply.status).toBe(404);
      expect(reply.json()).toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    });
  });

  describe('path', () => {
    it('sends /prefix/sb/8080/a%2Fb?x=%2E to the sandbox as /a%2Fb?x=%2E, raw', async () => {
      const reply = await request(router.url, '/prefix/sb/8080/a%2Fb?x=%2E');
      expect(reply.status).toBe(200);
      expect(sandbox.requests.at(-1)?.url).toBe('/a%2Fb?x=%2E');
    });

    it('sends /prefix/sb/8080 to the sandbox root', async () => {
      const reply = await request(router.url, '/prefix/sb/8080');
      expect(reply.json<Echoed>().url).toBe('/');
    });

    it('proxies every method, a POST body included', async () => {
      const reply = await request(router.url, '/prefix/sb/8080/submit?q=1', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(reply.status).toBe(200);
      expect(reply.json<Echoed & { method: string }>()).toMatchObject({
        method: 'POST',
        url: '/submit?q=1',
      });
    });

    it('puts redirects and cookie paths back under /prefix/<sandbox-id>/<port>', async () => {
      const reply = await request(router.url, '/prefix/web/3000/login');
      expect(reply.status).toBe(302);
      expect(reply.headers.location).toBe('/prefix/web/3000/home?welcome=1');
      expect(reply.headers['set-cookie']).toEqual([
        'sid=abc; Path=/prefix/web/3000; HttpOnly',
        'pref=dark; Path=/prefix/web/3000/settings',
        'plain=1',
      ]);
    });

    it('rewrites an absolute redirect to the sandbox’s own authority', async () => {
      const reply = await request(router.url, '/prefix/web/3000/absolute');
      expect(reply.status).toBe(301);
      expect(reply.headers.location).toBe('/prefix/web/3000/moved');
    });

    it('leaves a redirect to another origin alone', async () => {
      const reply = await request(router.url, '/prefix/web/3000/elsewhere');
      expect(reply.headers.location).toBe('https://accounts.example.org/auth');
    });

    it('does not rewrite responses of routes that are not path-routed', async () => {
      const reply = await request(router.url, '/login', {
        headers: { 'OpenSandbox-Ingress-To': 'web-3000' },
      });
      expect(reply.headers.location).toBe('/home?welcome=1');
      expect(reply.headers['set-cookie']?.[0]).toBe('sid=abc; Path=/; HttpOnly');
    });

    it('answers 400 ROUTE_INVALID for a port with a leading zero', async () => {
      const reply = await request(router.url, '/prefix/sb/08080/x');
      expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid sandbox route path.');
    });

    it('answers 400 ROUTE_INVALID for the bare prefix', async () => {
      const reply = await request(router.url, '/prefix');
      expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid sandbox route path.');
    });

    it('keeps the router’s own endpoints outside the prefix', async () => {
      const health = await request(router.url, '/healthz');
      expect(health.json()).toEqual({ status: 'ok' });
      const status = await request(router.url, '/status.ok');
      expect(status.text).toBe('OK');
    });
  });

  describe('WebSocket upgrades, through the same routing', () => {
    const wsUrl = () => router.url.replace(/^http/, 'ws');

    it('strips the path route, raw, before the upstream handshake', async () => {
      expect(await greeting(`${wsUrl()}/prefix/live/8080/socket?x=%2E`)).toBe('/socket?x=%2E');
    });

    it('routes an upgrade by its Host under a sandbox domain', async () => {
      const headers = { host: 'live-8080.sandbox.test' };
      expect(await greeting(`${wsUrl()}/socket`, headers)).toBe('/socket');
    });

    it('routes an upgrade by OpenSandbox-Ingress-To', async () => {
      const headers = { 'OpenSandbox-Ingress-To': 'live-8080' };
      expect(await greeting(`${wsUrl()}/socket`, headers)).toBe('/socket');
    });

    it('answers a malformed path route with 400 before the upgrade', async () => {
      expect(await refusal(`${wsUrl()}/prefix/live/08080/socket`)).toBe(400);
    });
  });
});

/** Opens a WebSocket, says hello, returns the first answer and waits for the close. */
function greeting(url: string, headers?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => socket.send('hi'));
    let message = '';
    socket.once('message', (data) => {
      message = String(data);
      socket.close();
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(message));
  });
}

/** The status of a refused upgrade. */
function refusal(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', () => undefined);
  });
}
