import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { request } from '../support/http-client.js';
import { until } from '../support/wait.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import {
  closed,
  connectWs,
  echoSocket,
  within,
  nextMessage,
  startWsUpstream,
  type WsUpstream,
} from '../support/ws.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('WebSocket relaying', () => {
  let upstream: WsUpstream;
  let router: RunningRouter;
  const clients: WebSocket[] = [];

  beforeAll(async () => {
    upstream = await startWsUpstream({
      handleProtocols: (offered) => (offered.has('v2.kernel') ? 'v2.kernel' : false),
    });
    router = await startRouter({
      lookup: new MappedLookup((host) => host.endsWith('.svc.cluster.local')),
      // All 200 sockets of the concurrency test come from 127.0.0.1.
      config: { websocket: { maxConnectionsPerClient: 0 } },
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.terminate();
  });
  afterAll(async () => {
    await router.close();
    await upstream.close();
  });

  const open = async (options: Parameters<typeof connectWs>[1] = {}, path = '/ws') => {
    const client = await connectWs(`ws://127.0.0.1:${router.port}${path}`, {
      ...options,
      headers: {
        'X-Sandbox-ID': 'my-sandbox',
        'X-Sandbox-Port': String(upstream.port),
        ...options.headers,
      },
    });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };

  it('relays text as text and binary as binary, both ways', async () => {
    const client = await open();
    client.send('hello');
    expect(await nextMessage(client)).toEqual({ data: Buffer.from('hello'), isBinary: false });
    const bytes = Buffer.from([0, 1, 2, 255]);
    client.send(bytes);
    expect(await nextMessage(client)).toEqual({ data: bytes, isBinary: true });
  });

  it('relays a 15 MB message intact in both directions', async () => {
    const client = await open();
    const payload = randomBytes(15 * 1024 * 1024);
    client.send(payload);
    const echoed = await nextMessage(client);
    expect(echoed.isBinary).toBe(true);
    expect(sha256(echoed.data)).toBe(sha256(payload));
  });

  it('delivers a fragmented message as one message', async () => {
    const client = await open();
    const server = upstream.sockets.at(-1)!;
    const received = nextMessage(server);
    client.send('frag', { fin: false });
    client.send('men', { fin: false });
    client.send('ted', { fin: true });
    expect(await received).toEqual({ data: Buffer.from('fragmented'), isBinary: false });
  });

  it('passes the client close code and reason to the upstream', async () => {
    const client = await open();
    const server = upstream.sockets.at(-1)!;
    const upstreamClosed = closed(server);
    client.close(4001, 'auth failed');
    expect(await upstreamClosed).toEqual({ code: 4001, reason: 'auth failed' });
  });

  it('passes the upstream close code and reason to the client', async () => {
    const client = await open();
    const clientClosed = closed(client);
    upstream.sockets.at(-1)!.close(1011, 'kernel restart');
    expect(await clientClosed).toEqual({ code: 1011, reason: 'kernel restart' });
  });

  it('closes the client promptly when the upstream connection dies', async () => {
    const client = await open();
    const clientClosed = closed(client);
    (upstream.requests.at(-1)!.socket as Socket).resetAndDestroy();
    expect([1006, 1011]).toContain((await clientClosed).code);
  });

  it('frees the upstream socket when the client connection is reset', async () => {
    let clientSocket: Socket | undefined;
    const client = new WebSocket(`ws://127.0.0.1:${router.port}/`, {
      headers: { 'X-Sandbox-ID': 'my-sandbox', 'X-Sandbox-Port': String(upstream.port) },
    });
    client.on('error', () => undefined);
    client.once(
      'upgrade',
      (response: IncomingMessage) => (clientSocket = response.socket as Socket),
    );
    const connected = upstream.nextSocket();
    await new Promise((resolve) => client.once('open', resolve));
    const server = await connected;
    const upstreamClosed = closed(server);
    clientSocket!.resetAndDestroy();
    await within(upstreamClosed, 1_000);
  });

  it('negotiates the sub-protocol end to end: the upstream chooses', async () => {
    const client = await open({ protocols: ['v1.kernel', 'v2.kernel'] });
    expect(client.protocol).toBe('v2.kernel');
    expect(upstream.requests.at(-1)!.headers['sec-websocket-protocol']).toBe('v1.kernel,v2.kernel');
  });

  it('passes on that the upstream chose no sub-protocol', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${router.port}/`, ['v1.kernel'], {
      headers: { 'X-Sandbox-ID': 'my-sandbox', 'X-Sandbox-Port': String(upstream.port) },
    });
    clients.push(client);
    client.on('error', () => undefined);
    const response = await new Promise<IncomingMessage>((resolve) =>
      client.once('upgrade', resolve),
    );
    expect(response.statusCode).toBe(101);
    expect(response.headers['sec-websocket-protocol']).toBeUndefined();
  });

  it('relays pings and pongs end to end', async () => {
    const client = await open();
    const pong = new Promise<Buffer>((resolve) => client.once('pong', resolve));
    client.ping(Buffer.from('are you there'));
    expect((await pong).toString()).toBe('are you there');
  });

  it('forwards X-Forwarded-For, X-Request-ID and Origin and strips the routing headers', async () => {
    await open({ headers: { 'X-Request-ID': 'req-42', Origin: 'https://ide.example' } });
    const headers = upstream.requests.at(-1)!.headers;
    expect(headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-request-id': 'req-42',
      origin: 'https://ide.example',
      host: `my-sandbox.default.svc.cluster.local:${upstream.port}`,
    });
    expect(headers['x-sandbox-id']).toBeUndefined();
    expect(headers['x-sandbox-port']).toBeUndefined();
  });

  it('returns the request id on the 101', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${router.port}/`, {
      headers: {
        'X-Sandbox-ID': 'my-sandbox',
        'X-Sandbox-Port': String(upstream.port),
        'X-Request-ID': 'req-101',
      },
    });
    clients.push(client);
    const response = await new Promise<IncomingMessage>((resolve) =>
      client.once('upgrade', resolve),
    );
    expect(response.headers['x-request-id']).toBe('req-101');
  });

  it('sends the raw path and query upstream', async () => {
    await open({}, '/api/kernels/k1/channels?session_id=abc');
    expect(upstream.requests.at(-1)!.url).toBe('/api/kernels/k1/channels?session_id=abc');
  });

  it('does not decode or normalise %2E and %2F in the path', async () => {
    // The ws client would normalise the URL itself; send the request line as written.
    await open({
      finishRequest: (req) => {
        req.path = '/files/%2E%2E/a%2Fb?x=1';
        req.end();
      },
    });
    expect(upstream.requests.at(-1)!.url).toBe('/files/%2E%2E/a%2Fb?x=1');
  });

  it('counts open WebSockets on GET /', async () => {
    const client = await open();
    const during = await request(router.url, '/');
    expect(during.json()).toEqual({
      service: 'sandbox-router',
      version: expect.any(String),
      strategies: expect.arrayContaining(['header']),
      providers: ['dns'],
      websockets: { open: 1 },
      workers: [],
    });
    const clientClosed = closed(client);
    client.close();
    await clientClosed;
    let count = -1;
    await until(async () => {
      count = (await request(router.url, '/')).json<{ websockets: { open: number } }>().websockets
        .open;
      return count === 0;
    });
    expect(count).toBe(0);
  });

  it('carries 200 concurrent sockets through one router, each echoing its own messages', async () => {
    const sockets = await Promise.all(Array.from({ length: 200 }, () => open()));
    const echoes = await Promise.all(
      sockets.map(async (socket, i) => {
        const reply = nextMessage(socket);
        socket.send(`socket ${i}`);
        return (await reply).data.toString();
      }),
    );
    expect(echoes).toEqual(sockets.map((_, i) => `socket ${i}`));
  });
});

describe('an upstream that speaks first', () => {
  it('delivers the messages the upstream sends right after its 101', async () => {
    const upstream = await startWsUpstream({
      onSocket: (socket) => {
        socket.send('welcome');
        socket.send(Buffer.from([1, 2, 3]));
      },
    });
    const router = await startRouter({ lookup: new MappedLookup() });
    const client = new WebSocket(`ws://127.0.0.1:${router.port}/`, {
      headers: { 'X-Sandbox-ID': 'eager', 'X-Sandbox-Port': String(upstream.port) },
    });
    try {
      const messages: string[] = [];
      await new Promise<void>((resolve) =>
        client.on('message', (data) => messages.push(String(data)) === 2 && resolve()),
      );
      expect(messages).toEqual(['welcome', '\u0001\u0002\u0003']);
    } finally {
      client.terminate();
      await router.close();
      await upstream.close();
    }
  });
});

describe('permessage-deflate', () => {
  it('is used on both legs when the client and the upstream both support it', async () => {
    const upstream = await startWsUpstream({ perMessageDeflate: true, onSocket: echoSocket });
    const router = await startRouter({ lookup: new MappedLookup() });
    const client = await connectWs(`ws://127.0.0.1:${router.port}/`, {
      perMessageDeflate: true,
      headers: { 'X-Sandbox-ID': 'deflating', 'X-Sandbox-Port': String(upstream.port) },
    });
    try {
      expect(client.extensions).toContain('permessage-deflate');
      expect(upstream.sockets[0].extensions).toContain('permessage-deflate');
      const text = 'compressible '.repeat(1000);
      client.send(text);
      expect((await nextMessage(client)).data.toString()).toBe(text);
    } finally {
      client.terminate();
      await router.close();
      await upstream.close();
    }
  });

  it('is declined to the client when the upstream does not support it', async () => {
    const upstream = await startWsUpstream({ perMessageDeflate: false });
    const router = await startRouter({ lookup: new MappedLookup() });
    const client = await connectWs(`ws://127.0.0.1:${router.port}/`, {
      perMessageDeflate: true,
      headers: { 'X-Sandbox-ID': 'plain', 'X-Sandbox-Port': String(upstream.port) },
    });
    try {
      expect(client.extensions).toBe('');
      client.send('still works');
      expect((await nextMessage(client)).data.toString()).toBe('still works');
    } finally {
      client.terminate();
      await router.close();
      await upstream.close();
    }
  });
});
