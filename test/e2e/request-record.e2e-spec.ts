import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { REQUEST_OBSERVER } from '../../src/modules/observability/request.observer.js';
import type { RequestRecord } from '../../src/modules/observability/request.record.js';
import { deferred } from '../support/deferred.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { closedPort } from '../support/raw-upstream.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { openStream } from '../support/stream-client.js';
import { digestBody, startUpstream, type Upstream } from '../support/upstream.js';
import { until } from '../support/wait.js';
import { closed, connectWs, nextMessage, startWsUpstream, type WsUpstream } from '../support/ws.js';

const BIG = 3 * 1024 * 1024;

/** Every request and WebSocket ends in exactly one record that an observer reads. */
describe('the request record', () => {
  const records: RequestRecord[] = [];
  const aborted = deferred<ServerResponse>();
  let router: RunningRouter;
  let upstream: Upstream;
  let wsUpstream: WsUpstream;

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url?.startsWith('/upload')) {
        return digestBody(req, ({ bytes }) => res.end(`got ${bytes}`));
      }
      if (req.url === '/download') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return void res.end(Buffer.alloc(BIG, 'x'));
      }
      if (req.url === '/forever') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        return aborted.resolve(res);
      }
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('hello');
    });
    wsUpstream = await startWsUpstream();
    router = await startRouter({
      lookup: new MappedLookup(),
      override: (builder) =>
        builder
          .overrideProvider(REQUEST_OBSERVER)
          .useValue([{ finished: (record: RequestRecord) => records.push(record) }]),
    });
  });
  afterAll(async () => {
    await router.close();
    await wsUpstream.close();
    await upstream.close();
  });
  beforeEach(() => records.splice(0));

  /** The one record of the request that carried `id`, once finished. */
  async function recordOf(requestId: string): Promise<RequestRecord> {
    await until(() => records.some((record) => record.requestId === requestId));
    // Give a second finish, were there one, the chance to show up.
    await new Promise((resolve) => setImmediate(resolve));
    const mine = records.filter((record) => record.requestId === requestId);
    expect(mine).toHaveLength(1);
    return mine[0];
  }

  const headers = (id: string, port = upstream.port) => ({
    'X-Sandbox-ID': 'rec-box',
    'X-Sandbox-Namespace': 'team-a',
    'X-Sandbox-Port': String(port),
    'X-Request-ID': id,
  });

  it('notes every field of a plain request', async () => {
    const body = Buffer.alloc(10_000, 'b');
    const reply = await request(router.url, '/upload?token=secret', {
      method: 'POST',
      headers: headers('plain-1'),
      body,
    });
    expect(reply.text).toBe('got 10000');
    const record = await recordOf('plain-1');
    expect(record).toMatchObject({
      requestId: 'plain-1',
      method: 'POST',
      url: '/upload?token=secret',
      websocket: false,
      kind: 'header',
      sandbox: 'rec-box',
      namespace: 'team-a',
      upstream: `rec-box.team-a.svc.cluster.local:${upstream.port}`,
      status: 200,
      bytesIn: 10_000,
      bytesOut: 'got 10000'.length,
      attempts: 1,
      aborted: false,
    });
    expect(record.errorCode).toBeUndefined();
    expect(record.connectMs).toBeGreaterThanOrEqual(0);
    expect(record.headMs).toBeGreaterThanOrEqual(record.connectMs!);
    expect(record.totalMs).toBeGreaterThanOrEqual(record.headMs!);
    expect(record.startedAt).toBeLessThanOrEqual(Date.now());
  });

  it('counts a streamed response to its last byte', async () => {
    const reply = await request(router.url, '/download', { headers: headers('stream-1') });
    expect(reply.body.length).toBe(BIG);
    const record = await recordOf('stream-1');
    expect(record).toMatchObject({ status: 200, bytesIn: 0, bytesOut: BIG, aborted: false });
    expect(createHash('sha256').update(reply.body).digest('hex')).toBe(
      createHash('sha256').update(Buffer.alloc(BIG, 'x')).digest('hex'),
    );
  });

  it("notes the router's own error, with no upstream timings", async () => {
    const reply = await request(router.url, '/', {
      headers: headers('error-1', await closedPort()),
    });
    expect(reply.status).toBe(502);
    const record = await recordOf('error-1');
    expect(record).toMatchObject({
      status: 502,
      errorCode: 'UPSTREAM_UNREACHABLE',
      attempts: 1,
      bytesOut: reply.body.length,
      aborted: false,
    });
    expect(record.headMs).toBeUndefined();
  });

  it('notes a request refused before routing, with no attempt', async () => {
    const reply = await request(router.url, '/', {
      headers: { 'X-Sandbox-ID': 'Bad_Id', 'X-Request-ID': 'invalid-1' },
    });
    expect(reply.status).toBe(400);
    const record = await recordOf('invalid-1');
    expect(record).toMatchObject({
      kind: 'none',
      status: 400,
      errorCode: 'ROUTE_INVALID',
      attempts: 0,
    });
    expect(record.upstream).toBeUndefined();
  });

  it('ends when the client walks away mid-response, and tears the upstream down', async () => {
    const stream = await openStream(router.url, '/forever', { headers: headers('abort-1') });
    await stream.body.until((text) => text.includes('first'));
    const upstreamRes = await aborted.promise;
    const upstreamGone = new Promise((resolve) => upstreamRes.once('close', resolve));
    stream.req.destroy();
    const record = await recordOf('abort-1');
    expect(record).toMatchObject({ status: 200, aborted: true });
    expect(record.bytesOut).toBe('data: first\n\n'.length);
    await upstreamGone;
  });

  it('notes a WebSocket from upgrade to close, with its bytes and close code', async () => {
    const ws = await connectWs(`ws://127.0.0.1:${router.port}/ws`, {
      headers: headers('ws-1', wsUpstream.port),
    });
    ws.send('12345');
    expect((await nextMessage(ws)).data.toString()).toBe('12345');
    const done = closed(ws);
    ws.close(4000, 'bye');
    await done;
    const record = await recordOf('ws-1');
    expect(record).toMatchObject({
      websocket: true,
      method: 'GET',
      url: '/ws',
      kind: 'header',
      sandbox: 'rec-box',
      status: 101,
      closeCode: 4000,
      bytesIn: 5,
      bytesOut: 5,
      attempts: 1,
    });
    expect(record.connectMs).toBeGreaterThanOrEqual(0);
    expect(record.headMs).toBeGreaterThanOrEqual(record.connectMs!);
  });
});
