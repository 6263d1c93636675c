import { createHash } from 'node:crypto';
import { request } from '../support/http-client.js';
import { closedPort } from '../support/raw-upstream.js';
import { until } from '../support/wait.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

describe('connect retries while a sandbox starts (proxy.connectRetrySeconds)', () => {
  let router: RunningRouter;
  let lookup: MappedLookup;
  let upstream: Upstream | undefined;

  beforeAll(async () => {
    lookup = new MappedLookup();
    router = await startRouter({ lookup, config: { proxy: { connectRetrySeconds: 10 } } });
  });
  afterEach(async () => {
    await upstream?.close();
    upstream = undefined;
  });
  afterAll(() => router.close());

  it('forwards the request, body intact, once the sandbox starts listening', async () => {
    const port = await closedPort();
    const body = Buffer.alloc(256 * 1024, 7);
    const pending = request(router.url, '/upload', {
      method: 'POST',
      headers: { 'X-Sandbox-ID': 'starting', 'X-Sandbox-Port': String(port) },
      body,
    });
    // A second lookup means the first connection was refused and the router is retrying.
    await until(() => lookup.seen.filter((host) => host.startsWith('starting.')).length >= 2);
    upstream = await startUpstream((req, res) => {
      const hash = createHash('sha256');
      req.on('data', (chunk: Buffer) => hash.update(chunk));
      req.on('end', () => res.end(hash.digest('hex')));
    }, port);

    const reply = await pending;
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('answers 502 UPSTREAM_UNREACHABLE when the window closes without a listener', async () => {
    const quick = await startRouter({ lookup, config: { proxy: { connectRetrySeconds: 0.3 } } });
    try {
      const reply = await request(quick.url, '/', {
        headers: { 'X-Sandbox-ID': 'never-up', 'X-Sandbox-Port': String(await closedPort()) },
      });
      expect(reply.status).toBe(502);
      expect(reply.json()).toMatchObject({
        code: 'UPSTREAM_UNREACHABLE',
        detail: 'Could not connect to the backend sandbox: never-up',
      });
    } finally {
      await quick.close();
    }
  });
});
