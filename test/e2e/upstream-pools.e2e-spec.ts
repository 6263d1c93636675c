import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { until } from '../support/wait.js';

const BURST = 200;

/** Answers with the upstream-side port of the connection the request came on. */
function whichConnection(req: IncomingMessage, res: ServerResponse): void {
  res.end(JSON.stringify({ port: req.socket.remotePort, connection: req.headers.connection }));
}

const openConnections = (upstream: Upstream) =>
  new Promise<number>((resolve, reject) =>
    upstream.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

/** Keep-alive pools per sandbox and address (SPEC §4.6), MAX_KEEPALIVE_CONNECTIONS idle each. */
describe('upstream connection pools', () => {
  let upstream: Upstream;
  let router: RunningRouter;
  /** Requests the upstream holds until BURST of them are in. */
  let held: ServerResponse[] = [];

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url !== '/burst') return whichConnection(req, res);
      held.push(res);
      if (held.length === BURST) for (const waiting of held.splice(0)) waiting.end('ok');
    });
    router = await startRouter({
      lookup: new MappedLookup(),
      config: { proxy: { maxKeepAliveConnections: 3 } },
    });
  });
  afterAll(async () => {
    await router.close();
    await upstream.close();
  });

  const send = (id: string, path = '/') =>
    request(router.url, path, {
      headers: { 'X-Sandbox-ID': id, 'X-Sandbox-Port': String(upstream.port) },
    });
  const connectionOf = async (id: string) => (await send(id)).json<{ port: number }>().port;

  it('gives concurrent requests a connection each, never a queue, then keeps 3 idle', async () => {
    held = [];
    const replies = await Promise.all(
      Array.from({ length: BURST }, () => send('burst-box', '/burst')),
    );
    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    await until(async () => (await openConnections(upstream)) === 3);
  });

  it('reuses an idle connection for the next request to the same sandbox', async () => {
    const first = await connectionOf('reuse-box');
    expect(await connectionOf('reuse-box')).toBe(first);
  });

  it('never hands a pooled connection to another sandbox at the same address', async () => {
    const a = await connectionOf('box-a');
    const b = await connectionOf('box-b');
    expect(b).not.toBe(a);
    expect(await connectionOf('box-a')).toBe(a);
    expect(await connectionOf('box-b')).toBe(b);
  });
});

describe('upstream connections with MAX_KEEPALIVE_CONNECTIONS 0', () => {
  let upstream: Upstream;
  let router: RunningRouter;

  beforeAll(async () => {
    upstream = await startUpstream(whichConnection);
    router = await startRouter({
      lookup: new MappedLookup(),
      config: { proxy: { maxKeepAliveConnections: 0 } },
    });
  });
  afterAll(async () => {
    await router.close();
    await upstream.close();
  });

  it('opens a fresh connection per request and asks the upstream to close it', async () => {
    const send = () =>
      request(router.url, '/', {
        headers: { 'X-Sandbox-ID': 'fresh-box', 'X-Sandbox-Port': String(upstream.port) },
      }).then((reply) => reply.json<{ port: number; connection: string }>());
    const first = await send();
    const second = await send();
    expect(first.connection).toBe('close');
    expect(second.port).not.toBe(first.port);
    await until(async () => (await openConnections(upstream)) === 0);
  });
});
