import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { type Deferred, deferred } from '../support/deferred.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { openStream } from '../support/stream-client.js';
import { echo, startUpstream, type Upstream } from '../support/upstream.js';

/** Signals between a test and the upstream, renewed per test. */
interface Signals {
  /** The upstream's response to the last /events or /endless request. */
  upstreamRes: Deferred<ServerResponse>;
  /** The test lets /events send its second event. */
  sendSecond: Deferred<void>;
}
let signals: Signals;

function upstreamHandler(req: IncomingMessage, res: ServerResponse): void {
  const { upstreamRes, sendSecond } = signals;
  switch (req.url) {
    case '/events':
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: one\n\n');
      upstreamRes.resolve(res);
      void sendSecond.promise.then(() => res.end('data: two\n\n'));
      return;
    case '/idle-after-head':
      // Head at once, then silent for longer than proxy.timeoutSeconds (1 s).
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      void delay(1500).then(() => res.end('finally'));
      return;
    case '/endless': {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const ticker = setInterval(() => res.write('tick\n'), 10);
      res.once('close', () => clearInterval(ticker));
      upstreamRes.resolve(res);
      return;
    }
    case '/trailers':
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('body');
      res.addTrailers({ 'x-checksum': 'sha256-abc' });
      res.end();
      return;
    default:
      echo(req, res);
  }
}

/** Responses stream as they arrive (SPEC §4.1); the head timeout never cuts a stream (§4.5). */
describe('streamed responses', () => {
  let upstream: Upstream;
  let router: RunningRouter;

  beforeAll(async () => {
    upstream = await startUpstream(upstreamHandler);
    router = await startRouter({
      lookup: new MappedLookup(),
      config: { proxy: { timeoutSeconds: 1 } },
    });
  });
  beforeEach(() => {
    signals = { upstreamRes: deferred(), sendSecond: deferred() };
  });
  afterAll(async () => {
    signals.sendSecond.resolve();
    await router?.close();
    await upstream?.close();
  });

  const headers = () => ({ 'X-Sandbox-ID': 'stream-box', 'X-Sandbox-Port': String(upstream.port) });

  it("passes the upstream's trailers through after the body", async () => {
    const stream = await openStream(router.url, '/trailers', { headers: headers() });
    expect(await stream.body.ended).toBe('body');
    expect(stream.res.trailers).toEqual({ 'x-checksum': 'sha256-abc' });
  });

  it('delivers the first SSE event before the upstream ends the stream', async () => {
    const { res, body } = await openStream(router.url, '/events', {
      headers: { ...headers(), Accept: 'text/event-stream' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers).not.toHaveProperty('content-encoding');

    await body.until((text) => text.includes('data: one\n\n'));
    const upstreamRes = await signals.upstreamRes.promise;
    expect(upstreamRes.writableEnded).toBe(false);
    expect(body.text).toBe('data: one\n\n');

    signals.sendSecond.resolve();
    expect(await body.ended).toBe('data: one\n\ndata: two\n\n');
  });

  it('does not cut a stream that is idle longer than the timeout after its head', async () => {
    const reply = await request(router.url, '/idle-after-head', { headers: headers() });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('finally');
  });

  it('closes the upstream response when the client walks away mid-stream', async () => {
    const { req, body } = await openStream(router.url, '/endless', { headers: headers() });
    await body.until((text) => text.length > 0);
    const upstreamRes = await signals.upstreamRes.promise;
    const upstreamClosed = new Promise<void>((resolve) => {
      if (upstreamRes.destroyed) resolve();
      else upstreamRes.once('close', resolve);
    });

    req.destroy();
    await upstreamClosed;

    const next = await request(router.url, '/after-abort', { headers: headers() });
    expect(next.status).toBe(200);
    expect(next.json()).toMatchObject({ url: '/after-abort' });
  });
});
