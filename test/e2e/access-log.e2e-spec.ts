import { Writable } from 'node:stream';
import { LOG_DESTINATION } from '../../src/modules/observability/log.destination.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { until } from '../support/wait.js';
import { closed, connectWs, nextMessage, startWsUpstream, type WsUpstream } from '../support/ws.js';

type Line = Record<string, unknown>;

/** SPEC §8: one JSON line per request or WebSocket, with no token, cookie or query string. */
describe('the access log', () => {
  const lines: Line[] = [];
  const raw: string[] = [];
  let router: RunningRouter;
  let upstream: Upstream;
  let wsUpstream: WsUpstream;

  beforeAll(async () => {
    upstream = await startUpstream();
    wsUpstream = await startWsUpstream();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
          raw.push(text);
          lines.push(JSON.parse(text) as Line);
        }
        done();
      },
    });
    router = await startRouter({
      lookup: new MappedLookup(),
      config: { accessLog: true, logLevel: 'off', auth: { token: 'router-secret-token' } },
      override: (builder) => builder.overrideProvider(LOG_DESTINATION).useValue(sink),
    });
  });
  afterAll(async () => {
    await router.close();
    await wsUpstream.close();
    await upstream.close();
  });

  const lineOf = async (requestId: string) => {
    await until(() => lines.some((line) => line.requestId === requestId));
    return lines.filter((line) => line.requestId === requestId);
  };

  it('writes one line with every field, and never the query, cookies or Authorization', async () => {
    const reply = await request(router.url, '/files/a.txt?token=query-secret', {
      method: 'POST',
      headers: {
        'X-Sandbox-ID': 'log-box',
        'X-Sandbox-Namespace': 'team-a',
        'X-Sandbox-Port': String(upstream.port),
        'X-Request-ID': 'log-1',
        Authorization: 'Bearer router-secret-token',
        Cookie: 'session=cookie-secret',
      },
      body: 'twelve bytes',
    });
    expect(reply.status).toBe(200);
    const mine = await lineOf('log-1');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toEqual({
      level: 'info',
      time: expect.any(Number),
      pid: process.pid,
      msg: 'access',
      requestId: 'log-1',
      kind: 'header',
      websocket: false,
      sandbox: 'log-box',
      namespace: 'team-a',
      upstream: `log-box.team-a.svc.cluster.local:${upstream.port}`,
      method: 'POST',
      path: '/files/a.txt',
      status: 200,
      bytesIn: 12,
      bytesOut: reply.body.length,
      connectMs: expect.any(Number),
      headMs: expect.any(Number),
      totalMs: expect.any(Number),
      attempts: 1,
    });
    const text = raw.join('\n');
    for (const secret of ['query-secret', 'cookie-secret', 'router-secret-token', 'Bearer']) {
      expect(text).not.toContain(secret);
    }
  });

  it("writes the router's own refusal with its error code", async () => {
    await request(router.url, '/', { headers: { 'X-Request-ID': 'log-2', 'X-Sandbox-ID': 'x' } });
    const [line] = await lineOf('log-2');
    expect(line).toMatchObject({ status: 401, errorCode: 'UNAUTHORIZED', attempts: 0 });
  });

  it('writes one line per WebSocket, with its close code', async () => {
    const ws = await connectWs(`ws://127.0.0.1:${router.port}/term?token=ws-secret`, {
      headers: {
        'X-Sandbox-ID': 'ws-box',
        'X-Sandbox-Port': String(wsUpstream.port),
        'X-Request-ID': 'log-3',
        Authorization: 'Bearer router-secret-token',
      },
    });
    ws.send('ping!');
    await nextMessage(ws);
    const done = closed(ws);
    ws.close(4001, 'bye');
    await done;
    const [line] = await lineOf('log-3');
    expect(line).toMatchObject({
      websocket: true,
      path: '/term',
      status: 101,
      closeCode: 4001,
      bytesIn: 5,
      bytesOut: 5,
    });
    expect(raw.join('\n')).not.toContain('ws-secret');
  });
});
