import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { SandboxSlots } from '../../src/modules/limits/sandbox-slots.limit.js';
import { deferred } from '../support/deferred.js';
import { expectRouterError } from '../support/expect-error.js';
import { request, sendRequest, type Reply } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { closedPort } from '../support/raw-upstream.js';
import { type RunningRouter, startRouter } from '../support/router-app.js';
import { echo, startUpstream, type Upstream } from '../support/upstream.js';
import { until } from '../support/wait.js';
import {
  closed,
  connectWs,
  refusedUpgrade,
  startWsUpstream,
  type WsUpstream,
} from '../support/ws.js';

const MAX = 2;
const TOO_MANY = 'Too many concurrent connections to this sandbox.';
/** The DNS provider's identity of sandbox `crowded` (X-Sandbox-ID, default namespace). */
const CROWDED = 'default/crowded';

/** /hold answers when the test releases it; /stream sends its head and stays open; /die breaks. */
function slowUpstream(held: (() => void)[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/hold') return void held.push(() => echo(req, res));
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.write('first chunk');
    }
    if (req.url === '/die') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      return void setImmediate(() => res.socket?.destroy());
    }
    echo(req, res);
  };
}

describe('limits.maxConnectionsPerSandbox', () => {
  const held: (() => void)[] = [];
  const env = {} as { router: RunningRouter; upstream: Upstream; ws: WsUpstream };
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    env.upstream = await startUpstream(slowUpstream(held));
    env.ws = await startWsUpstream();
    env.router = await startRouter({
      lookup: new MappedLookup(),
      config: { limits: { maxConnectionsPerSandbox: MAX } },
    });
  });
  afterEach(async () => {
    for (const release of held.splice(0)) release();
    for (const socket of sockets.splice(0)) socket.terminate();
    await untilFree();
  });
  afterAll(async () => {
    await env.router.close();
    await Promise.all([env.upstream.close(), env.ws.close()]);
  });

  const slots = () => env.router.app.get(SandboxSlots);
  const untilFree = () => until(() => slots().inUse(CROWDED) === 0);
  const headers = (sandbox = 'crowded', port = env.upstream.port) => ({
    'X-Sandbox-ID': sandbox,
    'X-Sandbox-Port': String(port),
  });
  const get = (path = '/', sandbox = 'crowded'): Promise<Reply> =>
    request(env.router.url, path, { headers: headers(sandbox) });
  /** Starts `count` requests the upstream holds; resolves once it holds them all. */
  const hold = async (count: number): Promise<Promise<Reply>[]> => {
    const replies = Array.from({ length: count }, () => get('/hold'));
    await until(() => held.length === count);
    return replies;
  };
  const openWs = async () => {
    const socket = await connectWs(`ws://127.0.0.1:${env.router.port}/`, {
      headers: headers('crowded', env.ws.port),
    });
    socket.on('error', () => undefined);
    sockets.push(socket);
    return socket;
  };

  it('answers 429 RATE_LIMITED with Retry-After once the sandbox has its maximum open', async () => {
    const replies = await hold(MAX);
    const refused = await get();
    expectRouterError(refused, 429, 'RATE_LIMITED', TOO_MANY);
    expect(refused.headers['retry-after']).toBe('1');
    expect(env.upstream.requests.filter((req) => req.url === '/')).toEqual([]);
    // Another sandbox has slots of its own.
    expect((await get('/', 'roomy')).status).toBe(200);
    for (const release of held.splice(0)) release();
    expect((await Promise.all(replies)).map((reply) => reply.status)).toEqual([200, 200]);
    await untilFree();
    expect((await get()).status).toBe(200);
  });

  it('counts WebSockets with requests, both ways', async () => {
    const socket = await openWs();
    await hold(MAX - 1);
    expectRouterError(await get(), 429, 'RATE_LIMITED', TOO_MANY);
    const refused = await refusedUpgrade(
      `ws://127.0.0.1:${env.router.port}/`,
      headers('crowded', env.ws.port),
    );
    expectRouterError(refused, 429, 'RATE_LIMITED', TOO_MANY);
    const done = closed(socket);
    socket.close(1000, 'bye');
    await done;
    await until(() => slots().inUse(CROWDED) === MAX - 1);
    expect((await get()).status).toBe(200);
  });

  it('frees the slot when a request completes', async () => {
    for (let i = 0; i < 5; i++) expect((await get()).status).toBe(200);
    await untilFree();
  });

  it('frees the slot when the client leaves in the middle of a stream', async () => {
    const gotHead = deferred();
    const aborted = sendRequest(env.router.url, '/stream', { headers: headers() }, (res, req) => {
      expect(res.statusCode).toBe(200);
      expect(slots().inUse(CROWDED)).toBe(1);
      gotHead.resolve();
      req.destroy();
    });
    await gotHead.promise;
    await aborted;
    await untilFree();
  });

  it('frees the slot when the upstream breaks mid-response', async () => {
    const broken = sendRequest(env.router.url, '/die', { headers: headers() }, (res) => {
      res.resume();
      return new Promise<void>((resolve) => res.once('close', resolve));
    });
    await broken;
    await untilFree();
  });

  it('frees the slot when the upstream cannot be reached', async () => {
    const port = await closedPort();
    const reply = await request(env.router.url, '/', { headers: headers('crowded', port) });
    expect(reply.status).toBe(502);
    await untilFree();
  });

  it('frees the slot when a WebSocket closes', async () => {
    const socket = await openWs();
    expect(slots().inUse(CROWDED)).toBe(1);
    const done = closed(socket);
    socket.close(1000, 'bye');
    await done;
    await untilFree();
  });
});
