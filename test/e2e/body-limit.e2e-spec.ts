import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { deferred } from '../support/deferred.js';
import { expectRouterError } from '../support/expect-error.js';
import { request, type Reply } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { type RunningRouter, startRouter } from '../support/router-app.js';
import { digestBody, startUpstream, type Upstream } from '../support/upstream.js';
import { until } from '../support/wait.js';
import { startWorker, type TestWorker } from '../support/workers.js';

const MAX_BODY_BYTES = 1024;
const TOO_LARGE = `Request body larger than ${MAX_BODY_BYTES} bytes.`;

/** POST /upload answers with the body's size once it is all in; /early answers at once. */
function upstreamHandler(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/early') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('started');
    req.resume();
    return;
  }
  digestBody(req, ({ bytes }) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ bytes }));
  });
}

/** The upstream saw nothing of the request, or a request that never completed. */
async function expectNothingOrAborted(upstream: Upstream): Promise<void> {
  await until(() => upstream.requests.every((req) => req.destroyed));
  expect(upstream.requests.filter((req) => req.complete)).toEqual([]);
}

describe('proxy.maxBodyBytes on proxied HTTP', () => {
  const env = {} as { router: RunningRouter; upstream: Upstream; connections: number };
  beforeAll(async () => {
    env.upstream = await startUpstream(upstreamHandler);
    env.upstream.server.on('connection', () => env.connections++);
    env.router = await startRouter({
      lookup: new MappedLookup(),
      config: { proxy: { maxBodyBytes: MAX_BODY_BYTES } },
    });
  });
  beforeEach(() => {
    env.upstream.requests.splice(0);
    env.connections = 0;
  });
  afterAll(async () => {
    await env.router.close();
    await env.upstream.close();
  });

  const upload = (body: Buffer | Buffer[], path = '/upload') =>
    request(env.router.url, path, {
      method: 'POST',
      headers: { 'X-Sandbox-ID': 'capped', 'X-Sandbox-Port': String(env.upstream.port) },
      body,
    });

  it('passes a body of exactly the cap', async () => {
    const reply = await upload(Buffer.alloc(MAX_BODY_BYTES, 1));
    expect({ status: reply.status, body: reply.json() }).toEqual({
      status: 200,
      body: { bytes: MAX_BODY_BYTES },
    });
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a Content-Length over the cap without connecting to the sandbox', async () => {
    const reply = await upload(Buffer.alloc(MAX_BODY_BYTES + 1, 1));
    expectRouterError(reply, 413, 'PAYLOAD_TOO_LARGE', TOO_LARGE);
    expect(env.upstream.requests).toEqual([]);
    expect(env.connections).toBe(0);
  });

  it('answers 413 for a chunked body that grows past the cap; the sandbox sees at most an aborted request', async () => {
    const chunks = [1, 2, 3, 4].map(() => Buffer.alloc(512, 1));
    const reply = await upload(chunks);
    expectRouterError(reply, 413, 'PAYLOAD_TOO_LARGE', TOO_LARGE);
    await expectNothingOrAborted(env.upstream);
  });

  it('serves the next request on the same router after a cut body', async () => {
    await upload([Buffer.alloc(2048, 1)]);
    expect((await upload(Buffer.alloc(10, 1))).json()).toEqual({ bytes: 10 });
  });

  it('cuts the client connection when the body passes the cap after the response began', async () => {
    const started = deferred<IncomingMessage>();
    const ended = deferred<string>();
    const client = httpRequest({
      host: '127.0.0.1',
      port: env.router.port,
      path: '/early',
      method: 'POST',
      agent: false,
      headers: { 'X-Sandbox-ID': 'capped', 'X-Sandbox-Port': String(env.upstream.port) },
    });
    client.on('response', (res) => {
      started.resolve(res);
      res.on('data', () => undefined);
      res.on('aborted', () => ended.resolve('aborted'));
      res.on('end', () => ended.resolve('end'));
    });
    client.on('error', () => ended.resolve('error'));
    client.write(Buffer.alloc(512, 1));
    expect((await started.promise).statusCode).toBe(200);
    client.write(Buffer.alloc(1024, 1));
    expect(await ended.promise).not.toBe('end');
    await expectNothingOrAborted(env.upstream);
    client.destroy();
  });
});

describe('proxy.maxBodyBytes on the worker pool', () => {
  const env = {} as { router: RunningRouter; worker: TestWorker };
  // Smaller than the cap, so a body is first held for replay and then streamed once.
  const replayCaps = [
    ['held for replay', 4096],
    ['streamed past the replay cap', 256],
  ] as const;

  describe.each(replayCaps)('with the body %s', (_, maxReplayBodyBytes) => {
    beforeAll(async () => {
      env.worker = await startWorker('w0');
      env.router = await startRouter({
        lookup: new MappedLookup(),
        config: {
          proxy: { maxBodyBytes: MAX_BODY_BYTES },
          pool: {
            workers: [{ url: env.worker.url }],
            healthCheckIntervalSeconds: 3600,
            maxReplayBodyBytes,
          },
        },
      });
    });
    afterAll(async () => {
      await env.router.close();
      await env.worker.close();
    });
    const runCode = (body: Buffer | Buffer[]): Promise<Reply> =>
      request(env.router.url, '/run_code', { method: 'POST', body });
    const runCodeRequests = () => env.worker.upstream.requests.filter((r) => r.url === '/run_code');

    it('answers 413 for a Content-Length over the cap; no worker sees it', async () => {
      expectRouterError(
        await runCode(Buffer.alloc(MAX_BODY_BYTES + 1)),
        413,
        'PAYLOAD_TOO_LARGE',
        TOO_LARGE,
      );
      expect(runCodeRequests()).toEqual([]);
    });

    it('answers 413 for a chunked body past the cap; a worker sees at most an aborted request', async () => {
      const chunks = [1, 2, 3, 4].map(() => Buffer.alloc(512, 1));
      expectRouterError(await runCode(chunks), 413, 'PAYLOAD_TOO_LARGE', TOO_LARGE);
      await until(() => runCodeRequests().every((req) => req.destroyed));
      expect(env.worker.served).toEqual([]);
      // The client's fault, not the worker's.
      const info = (await request(env.router.url, '/')).json<{ workers: { failures: number }[] }>();
      expect(info.workers[0].failures).toBe(0);
    });

    it('passes a body under the cap', async () => {
      expect((await runCode([Buffer.alloc(600, 1)])).status).toBe(200);
    });
  });
});
