import { createServer, type Server } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { closedPort } from '../support/raw-upstream.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream } from '../support/upstream.js';
import { connectWs, refusedUpgrade, startWsUpstream, type WsUpstream } from '../support/ws.js';

describe('WebSocket upgrades that fail before the upgrade', () => {
  let upstream: WsUpstream;
  let router: RunningRouter;
  let url: string;

  beforeAll(async () => {
    upstream = await startWsUpstream();
    router = await startRouter({
      lookup: new MappedLookup((host) => !host.startsWith('ghost.')),
      config: { auth: { token: 'router-secret' } },
    });
    url = `ws://127.0.0.1:${router.port}/ws`;
  });
  afterAll(async () => {
    await router.close();
    await upstream.close();
  });

  const sandbox = (extra: Record<string, string> = {}) => ({
    Authorization: 'Bearer router-secret',
    'X-Sandbox-ID': 'my-sandbox',
    'X-Sandbox-Port': String(upstream.port),
    ...extra,
  });

  it('answers 400 ROUTE_MISSING when X-Sandbox-ID is missing', async () => {
    const reply = await refusedUpgrade(url, {
      Authorization: 'Bearer router-secret',
      'X-Sandbox-Port': '8080',
    });
    expectRouterError(reply, 400, 'ROUTE_MISSING', 'X-Sandbox-ID header is required.');
  });

  it('answers 400 ROUTE_MISSING when the upgrade names no sandbox at all', async () => {
    const reply = await refusedUpgrade(url, { Authorization: 'Bearer router-secret' });
    expectRouterError(reply, 400, 'ROUTE_MISSING', 'X-Sandbox-ID header is required.');
  });

  it('answers 400 ROUTE_INVALID for a malformed X-Sandbox-ID', async () => {
    const reply = await refusedUpgrade(url, sandbox({ 'X-Sandbox-ID': 'Not_A_Name' }));
    expectRouterError(reply, 400, 'ROUTE_INVALID', 'Invalid sandbox ID format.');
  });

  it('answers 401 without the router token', async () => {
    const headers: Record<string, string> = sandbox();
    delete headers.Authorization;
    const reply = await refusedUpgrade(url, headers);
    expectRouterError(reply, 401, 'UNAUTHORIZED', 'Missing or invalid Authorization header.');
  });

  it('answers 401 for a wrong router token', async () => {
    const reply = await refusedUpgrade(url, sandbox({ Authorization: 'Bearer nope' }));
    expectRouterError(reply, 401, 'UNAUTHORIZED', 'Invalid token.');
  });

  it('opens with the right token and does not forward Authorization', async () => {
    const client = await connectWs(url, { headers: sandbox() });
    client.terminate();
    expect(upstream.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('answers 502 UPSTREAM_UNREACHABLE when the sandbox name does not resolve', async () => {
    const reply = await refusedUpgrade(url, sandbox({ 'X-Sandbox-ID': 'ghost' }));
    expectRouterError(
      reply,
      502,
      'UPSTREAM_UNREACHABLE',
      'Could not connect to the backend sandbox: ghost',
    );
  });

  it('answers 502 UPSTREAM_UNREACHABLE when nothing listens on the sandbox port', async () => {
    const port = await closedPort();
    const reply = await refusedUpgrade(url, sandbox({ 'X-Sandbox-Port': String(port) }));
    expectRouterError(
      reply,
      502,
      'UPSTREAM_UNREACHABLE',
      'Could not connect to the backend sandbox: my-sandbox',
    );
  });

  it('passes an upstream refusal (403) through to the client', async () => {
    const refusing = await startWsUpstream({
      refuse: { status: 403, body: 'kernel access denied', headers: { 'x-reason': 'policy' } },
    });
    try {
      const reply = await refusedUpgrade(url, sandbox({ 'X-Sandbox-Port': String(refusing.port) }));
      expect(reply.status).toBe(403);
      expect(reply.text).toBe('kernel access denied');
      expect(reply.headers['x-reason']).toBe('policy');
    } finally {
      await refusing.close();
    }
  });

  it('lets ws answer a malformed handshake without contacting the sandbox', async () => {
    const seen = upstream.requests.length;
    const reply = await request(router.url, '/ws', {
      headers: {
        ...sandbox(),
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
      },
    });
    expect(reply.status).toBe(400);
    expect(upstream.requests).toHaveLength(seen);
  });

  it('proxies a non-WebSocket upgrade (h2c) as a plain request, without its Upgrade header', async () => {
    const http = await startUpstream();
    try {
      const reply = await request(router.url, '/plain', {
        headers: {
          ...sandbox({ 'X-Sandbox-Port': String(http.port) }),
          Connection: 'Upgrade, HTTP2-Settings',
          Upgrade: 'h2c',
          'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA',
        },
      });
      expect(reply.status).toBe(200);
      expect(http.requests.at(-1)!.headers.upgrade).toBeUndefined();
    } finally {
      await http.close();
    }
  });
});

describe('a WebSocket upstream that never answers the handshake', () => {
  let silent: Server;
  const held = new Set<Socket>();
  let router: RunningRouter;

  beforeAll(async () => {
    silent = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    router = await startRouter({
      lookup: new MappedLookup(),
      config: { proxy: { timeoutSeconds: 1 } },
    });
  });
  afterAll(async () => {
    await router.close();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('answers 504 UPSTREAM_TIMEOUT when the handshake outlasts PROXY_TIMEOUT_SECONDS', async () => {
    const reply = await refusedUpgrade(`ws://127.0.0.1:${router.port}/`, {
      'X-Sandbox-ID': 'slow',
      'X-Sandbox-Port': String((silent.address() as AddressInfo).port),
    });
    expectRouterError(
      reply,
      504,
      'UPSTREAM_TIMEOUT',
      'Timed out waiting for the backend sandbox: slow',
    );
  });
});
