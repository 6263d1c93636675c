import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { echo, startUpstream, type Upstream } from '../support/upstream.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** At /hop-by-hop the upstream answers with headers that must not cross back to the client. */
function upstreamHandler(req: IncomingMessage, res: ServerResponse): void {
  if (req.url !== '/hop-by-hop') return echo(req, res);
  res.writeHead(200, {
    connection: 'X-Bar',
    'x-bar': 'secret-hop',
    'keep-alive': 'timeout=9',
    'x-kept': 'yes',
    'content-type': 'text/plain',
  });
  res.end('ok');
}

type Seen = { headers: Record<string, string> };

/** SPEC §4.2: what the upstream sees of the client's headers, and what comes back. */
describe('forwarded headers', () => {
  let upstream: Upstream;
  let router: RunningRouter;
  let trustingRouter: RunningRouter;
  let hostPreservingRouter: RunningRouter;

  beforeAll(async () => {
    upstream = await startUpstream(upstreamHandler);
    router = await startRouter({ lookup: new MappedLookup() });
    trustingRouter = await startRouter({
      lookup: new MappedLookup(),
      config: { trustedProxyCidrs: ['127.0.0.0/8'] },
    });
    hostPreservingRouter = await startRouter({
      lookup: new MappedLookup(),
      config: { proxy: { preserveHost: true } },
    });
  });
  afterAll(async () => {
    await router?.close();
    await trustingRouter?.close();
    await hostPreservingRouter?.close();
    await upstream?.close();
  });

  const send = (extra: Record<string, string> = {}, via = router, path = '/') =>
    request(via.url, path, {
      headers: {
        'X-Sandbox-ID': 'my-sandbox',
        'X-Sandbox-Port': String(upstream.port),
        Host: 'client.test',
        ...extra,
      },
    });
  const seen = async (extra: Record<string, string> = {}, via = router) => {
    const reply = await send(extra, via);
    expect(reply.status).toBe(200);
    return reply.json<Seen>().headers;
  };

  describe('Host', () => {
    it("sends the target's authority instead of the client's Host", async () => {
      const headers = await seen();
      expect(headers.host).toBe(`my-sandbox.default.svc.cluster.local:${upstream.port}`);
    });

    it("keeps the client's Host when proxy.preserveHost is set", async () => {
      expect((await seen({}, hostPreservingRouter)).host).toBe('client.test');
    });
  });

  describe('hop-by-hop headers', () => {
    it('strips headers the client named in Connection', async () => {
      const headers = await seen({ Connection: 'X-Foo', 'X-Foo': 'bar', 'X-Other': 'kept' });
      expect(headers).not.toHaveProperty('x-foo');
      expect(headers['x-other']).toBe('kept');
    });

    it('strips Keep-Alive, TE, Upgrade and Proxy-Authorization', async () => {
      const headers = await seen({
        'Keep-Alive': 'timeout=5',
        TE: 'trailers',
        Upgrade: 'h2c',
        'Proxy-Authorization': 'Basic cHJveHk6cHc=',
      });
      for (const name of ['keep-alive', 'te', 'upgrade', 'proxy-authorization']) {
        expect(headers).not.toHaveProperty(name);
      }
    });

    it('strips headers the upstream named in Connection on the way back', async () => {
      const reply = await send({}, router, '/hop-by-hop');
      expect(reply.status).toBe(200);
      expect(reply.headers).not.toHaveProperty('x-bar');
      expect(reply.headers['x-kept']).toBe('yes');
      expect(reply.headers['keep-alive'] ?? '').not.toContain('timeout=9');
      expect(reply.text).toBe('ok');
    });
  });

  it('never forwards the routing headers', async () => {
    const headers = await seen({ 'X-Sandbox-Namespace': 'default', 'X-Sandbox-Timeout': '30' });
    expect(Object.keys(headers).filter((name) => name.startsWith('x-sandbox-'))).toEqual([]);
  });

  describe('X-Forwarded-*', () => {
    it('sets X-Forwarded-For to the peer and drops what an untrusted client sent', async () => {
      const headers = await seen({ 'X-Forwarded-For': '203.0.113.9' });
      expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    });

    it('appends the peer to X-Forwarded-For from a trusted proxy', async () => {
      const headers = await seen({ 'X-Forwarded-For': '203.0.113.9' }, trustingRouter);
      expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    });

    it('sets X-Forwarded-Proto and X-Forwarded-Host from the client request', async () => {
      const headers = await seen({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.test' });
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers['x-forwarded-host']).toBe('client.test');
    });
  });

  describe('X-Request-ID', () => {
    it("passes the client's X-Request-ID upstream and back", async () => {
      const reply = await send({ 'X-Request-ID': 'trace-123' });
      expect(reply.json<Seen>().headers['x-request-id']).toBe('trace-123');
      expect(reply.headers['x-request-id']).toBe('trace-123');
    });

    it('generates one when the client sent none, the same upstream and back', async () => {
      const reply = await send();
      const id = reply.json<Seen>().headers['x-request-id'];
      expect(id).toMatch(UUID);
      expect(reply.headers['x-request-id']).toBe(id);
    });
  });

  it('returns exactly one Date header', async () => {
    const reply = await send();
    const dates = reply.rawHeaders.filter(
      (_, i) => i % 2 === 0 && /^date$/i.test(reply.rawHeaders[i]),
    );
    expect(dates).toHaveLength(1);
  });
});
