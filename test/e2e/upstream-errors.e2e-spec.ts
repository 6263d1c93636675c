import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { closedPort, startRawUpstream, type RawUpstream } from '../support/raw-upstream.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

/** Upstream failures before a response head are the router's own coded answers (SPEC §6). */
describe('unreachable and broken upstreams', () => {
  let router: RunningRouter;
  let healthy: Upstream;
  let switching: RawUpstream;

  beforeAll(async () => {
    healthy = await startUpstream();
    // A 101 nobody asked for, written raw: node:http servers never send one unprompted.
    switching = await startRawUpstream((socket) =>
      socket.once('data', () =>
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
        ),
      ),
    );
    const lookup = new MappedLookup((host) => !host.startsWith('gone.'));
    router = await startRouter({ lookup });
  });
  afterAll(async () => {
    await router.close();
    await switching.close();
    await healthy.close();
  });

  const send = (id: string, port: number) =>
    request(router.url, '/', { headers: { 'X-Sandbox-ID': id, 'X-Sandbox-Port': String(port) } });

  it('answers 502 UPSTREAM_UNREACHABLE when the connection is refused', async () => {
    const reply = await send('refused-box', await closedPort());
    expectRouterError(
      reply,
      502,
      'UPSTREAM_UNREACHABLE',
      'Could not connect to the backend sandbox: refused-box',
    );
  });

  it('answers 502 UPSTREAM_UNREACHABLE when the name does not resolve', async () => {
    const reply = await send('gone', healthy.port);
    expectRouterError(
      reply,
      502,
      'UPSTREAM_UNREACHABLE',
      'Could not connect to the backend sandbox: gone',
    );
    expect(healthy.requests).toHaveLength(0);
  });

  it('answers 502 when the upstream answers 101 to a plain GET', async () => {
    const reply = await send('switching-box', switching.port);
    expectRouterError(
      reply,
      502,
      'UPSTREAM_UNREACHABLE',
      'Could not connect to the backend sandbox: switching-box',
    );
  });

  it('keeps serving after upstream failures', async () => {
    expect((await send('healthy-box', healthy.port)).status).toBe(200);
  });
});
