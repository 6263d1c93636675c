import type { WebSocket } from 'ws';
import { expectRouterError } from '../support/expect-error.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import type { RouterConfigInput } from '../../src/modules/config/config.schema.js';
import {
  closed,
  connectWs,
  nextMessage,
  refusedUpgrade,
  startWsUpstream,
  type WsUpstream,
} from '../support/ws.js';
import { eventually } from '../support/wait.js';

/** A router and an echo upstream with the given WebSocket limits; every socket is cleaned up. */
function withRouter(config: RouterConfigInput) {
  const context = {} as { router: RunningRouter; upstream: WsUpstream; clients: WebSocket[] };
  beforeAll(async () => {
    context.upstream = await startWsUpstream();
    context.router = await startRouter({ lookup: new MappedLookup(), config });
    context.clients = [];
  });
  afterEach(() => {
    for (const client of context.clients.splice(0)) client.terminate();
  });
  afterAll(async () => {
    await context.router.close();
    await context.upstream.close();
  });
  const open = async (headers: Record<string, string> = {}) => {
    const client = await connectWs(`ws://127.0.0.1:${context.router.port}/`, {
      headers: {
        'X-Sandbox-ID': 'limited',
        'X-Sandbox-Port': String(context.upstream.port),
        ...headers,
      },
    });
    client.on('error', () => undefined);
    context.clients.push(client);
    return client;
  };
  return { context, open };
}

/** Sends a message every `everyMs` and waits for each echo, until the socket closes. */
function keepTalking(client: WebSocket, everyMs: number): () => number {
  let echoes = 0;
  client.on('message', () => echoes++);
  const timer = setInterval(
    () => client.readyState === client.OPEN && client.send('tick'),
    everyMs,
  );
  client.once('close', () => clearInterval(timer));
  return () => echoes;
}

describe('WEBSOCKET_IDLE_TIMEOUT_SECONDS', () => {
  const { context, open } = withRouter({ websocket: { idleTimeoutSeconds: 1 } });

  it('closes a silent socket with 1001 on both legs', async () => {
    const upstreamSocket = context.upstream.nextSocket();
    const client = await open();
    const upstreamClosed = closed(await upstreamSocket);
    expect(await closed(client)).toEqual({ code: 1001, reason: 'idle timeout exceeded' });
    expect(await upstreamClosed).toEqual({ code: 1001, reason: 'idle timeout exceeded' });
  });

  it('keeps a talking socket open past the idle timeout', async () => {
    const client = await open();
    const echoes = keepTalking(client, 200);
    // 15 round trips at 200 ms: about 3 s, three idle timeouts' worth.
    await new Promise<void>((resolve) => {
      const check = () =>
        echoes() >= 15 || client.readyState !== client.OPEN ? resolve() : setImmediate(check);
      client.on('message', check);
      client.once('close', () => resolve());
    });
    expect(client.readyState).toBe(client.OPEN);
    expect(echoes()).toBeGreaterThanOrEqual(15);
  });
});

describe('WEBSOCKET_MAX_LIFETIME_SECONDS', () => {
  const { context, open } = withRouter({
    websocket: { maxLifetimeSeconds: 1, idleTimeoutSeconds: 0 },
  });

  it('ends even a busy socket with 1001 on both legs', async () => {
    const upstreamSocket = context.upstream.nextSocket();
    const client = await open();
    const upstreamClosed = closed(await upstreamSocket);
    const clientClosed = closed(client);
    keepTalking(client, 50);
    expect(await clientClosed).toEqual({ code: 1001, reason: 'max lifetime exceeded' });
    expect(await upstreamClosed).toEqual({ code: 1001, reason: 'max lifetime exceeded' });
  });
});

describe('WEBSOCKET_MAX_MESSAGE_BYTES', () => {
  const { context, open } = withRouter({ websocket: { maxMessageBytes: 1024 } });

  it('relays a message at the limit', async () => {
    const client = await open();
    client.send(Buffer.alloc(1024, 1));
    expect((await nextMessage(client)).data).toHaveLength(1024);
  });

  it('closes both legs with 1009 when the client sends a bigger message', async () => {
    const upstreamSocket = context.upstream.nextSocket();
    const client = await open();
    const upstreamClosed = closed(await upstreamSocket);
    const clientClosed = closed(client);
    client.send(Buffer.alloc(1025, 1));
    expect((await clientClosed).code).toBe(1009);
    expect(await upstreamClosed).toEqual({ code: 1009, reason: 'message too big' });
  });

  it('closes both legs with 1009 when the upstream sends a bigger message', async () => {
    const upstreamSocket = context.upstream.nextSocket();
    const client = await open();
    const server = await upstreamSocket;
    const upstreamClosed = closed(server);
    const clientClosed = closed(client);
    server.send('x'.repeat(4096));
    expect(await clientClosed).toEqual({ code: 1009, reason: 'message too big' });
    expect((await upstreamClosed).code).toBe(1009);
  });
});

describe('WEBSOCKET_MAX_CONNECTIONS_PER_CLIENT', () => {
  const { open, context } = withRouter({ websocket: { maxConnectionsPerClient: 2 } });
  const url = () => `ws://127.0.0.1:${context.router.port}/`;
  const sandbox = () => ({
    'X-Sandbox-ID': 'limited',
    'X-Sandbox-Port': String(context.upstream.port),
  });

  it('answers 429 RATE_LIMITED to the upgrade after the cap, and accepts again once one closes', async () => {
    const first = await open();
    await open();
    const reply = await refusedUpgrade(url(), sandbox());
    expectRouterError(reply, 429, 'RATE_LIMITED', 'Too many open WebSockets for this client.');
    expect(reply.headers['retry-after']).toEqual(expect.any(String));

    const firstClosed = closed(first);
    first.close();
    await firstClosed;
    // The closed socket's slot is freed when the router sees the close: retry until then.
    await expect(eventually(() => open(), 5_000)).resolves.toBeDefined();
  });
});

describe('WEBSOCKET_MAX_CONNECTIONS_PER_CLIENT behind a trusted proxy', () => {
  const { open, context } = withRouter({
    trustedProxyCidrs: ['127.0.0.1/32'],
    websocket: { maxConnectionsPerClient: 2 },
  });
  const url = () => `ws://127.0.0.1:${context.router.port}/`;
  const from = (chain: string) => ({
    'X-Sandbox-ID': 'limited',
    'X-Sandbox-Port': String(context.upstream.port),
    'X-Forwarded-For': chain,
  });

  it('counts per X-Forwarded-For client, ignoring a spoofed leftmost entry', async () => {
    await open({ 'X-Forwarded-For': '203.0.113.7' });
    await open({ 'X-Forwarded-For': '203.0.113.7' });
    const limited = await refusedUpgrade(url(), from('203.0.113.7'));
    expect(limited.status).toBe(429);
    // The client put another address in front; the proxy appended the real one.
    const spoofed = await refusedUpgrade(url(), from('198.51.100.9, 203.0.113.7'));
    expect(spoofed.status).toBe(429);
    // Another client behind the same proxy has slots of its own.
    const other = await open({ 'X-Forwarded-For': '198.51.100.9' });
    expect(other.readyState).toBe(other.OPEN);
  });
});

describe('websocket.pingIntervalSeconds', () => {
  const { context, open } = withRouter({
    websocket: { pingIntervalSeconds: 0.1, idleTimeoutSeconds: 1 },
  });

  it('pings the upstream leg, keeps the pongs from the client, and does not count them as activity', async () => {
    const upstreamSocket = context.upstream.nextSocket();
    const client = await open();
    const server = await upstreamSocket;
    let pings = 0;
    server.on('ping', () => pings++);
    let pongsToClient = 0;
    client.on('pong', () => pongsToClient++);
    const clientClosed = closed(client);
    expect(await clientClosed).toEqual({ code: 1001, reason: 'idle timeout exceeded' });
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(pongsToClient).toBe(0);
  });
});

describe('closing the router', () => {
  it('closes open WebSockets with 1001 on both legs', async () => {
    const upstream = await startWsUpstream();
    const router = await startRouter({ lookup: new MappedLookup() });
    try {
      const upstreamSocket = upstream.nextSocket();
      const client = await connectWs(`ws://127.0.0.1:${router.port}/`, {
        headers: { 'X-Sandbox-ID': 'closing', 'X-Sandbox-Port': String(upstream.port) },
      });
      const upstreamClosed = closed(await upstreamSocket);
      const clientClosed = closed(client);
      await router.close();
      expect(await clientClosed).toEqual({ code: 1001, reason: 'server shutting down' });
      expect(await upstreamClosed).toEqual({ code: 1001, reason: 'server shutting down' });
    } finally {
      await upstream.close();
    }
  });
});
