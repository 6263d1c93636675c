import type { IncomingMessage, ServerResponse } from 'node:http';
import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { startRouter, type RunningRouter } from '../support/router-app.js';
import { echo, startUpstream, type Upstream } from '../support/upstream.js';

/**
 * PROXY_TIMEOUT_SECONDS bounds the wait for the response head (SPEC §4.5); X-Sandbox-Timeout can
 * only lower it. An upstream at /hang never answers, so only the router's timer can end the wait.
 */
describe('response-head timeout', () => {
  let upstream: Upstream;
  const hanging = new Set<ServerResponse>();

  beforeAll(async () => {
    upstream = await startUpstream((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/hang') hanging.add(res);
      else echo(req, res);
    });
  });
  afterAll(() => upstream.close());

  const headers = (extra: Record<string, string> = {}) => ({
    'X-Sandbox-ID': 'slow-box',
    'X-Sandbox-Port': String(upstream.port),
    ...extra,
  });

  describe('with proxy.timeoutSeconds 1', () => {
    let router: RunningRouter;

    beforeAll(async () => {
      router = await startRouter({
        lookup: new MappedLookup(),
        config: { proxy: { timeoutSeconds: 1 } },
      });
    });
    afterAll(() => router.close());

    it('answers 504 UPSTREAM_TIMEOUT when the upstream never answers', async () => {
      const reply = await request(router.url, '/hang', { headers: headers() });
      expectRouterError(
        reply,
        504,
        'UPSTREAM_TIMEOUT',
        'Timed out waiting for the backend sandbox: slow-box',
      );
    });

    it('caps an X-Sandbox-Timeout above the configured timeout', async () => {
      const reply = await request(router.url, '/hang', {
        headers: headers({ 'X-Sandbox-Timeout': '100' }),
      });
      expectRouterError(
        reply,
        504,
        'UPSTREAM_TIMEOUT',
        'Timed out waiting for the backend sandbox: slow-box',
      );
    });

    it.each(['inf', 'Infinity', '0', '-1', 'abc'])(
      'ignores the X-Sandbox-Timeout %j and times out at the configured value',
      async (timeout) => {
        const reply = await request(router.url, '/hang', {
          headers: headers({ 'X-Sandbox-Timeout': timeout }),
        });
        expectRouterError(
          reply,
          504,
          'UPSTREAM_TIMEOUT',
          'Timed out waiting for the backend sandbox: slow-box',
        );
      },
    );

    it('still proxies a fast upstream when X-Sandbox-Timeout is invalid', async () => {
      const reply = await request(router.url, '/fast', {
        headers: headers({ 'X-Sandbox-Timeout': 'abc' }),
      });
      expect(reply.status).toBe(200);
      expect(reply.json<{ headers: Record<string, string> }>().headers).not.toHaveProperty(
        'x-sandbox-timeout',
      );
    });

    it('closes the upstream request it gave up on', async () => {
      const before = hanging.size;
      await request(router.url, '/hang', { headers: headers() });
      const abandoned = [...hanging].slice(before);
      expect(abandoned).toHaveLength(1);
      await new Promise<void>((resolve) => {
        if (abandoned[0].req.destroyed) resolve();
        else abandoned[0].req.once('close', resolve);
      });
    });
  });

  describe('with proxy.timeoutSeconds 30', () => {
    let router: RunningRouter;

    beforeAll(async () => {
      router = await startRouter({
        lookup: new MappedLookup(),
        config: { proxy: { timeoutSeconds: 30 } },
      });
    });
    afterAll(() => router.close());

    it('cuts the wait short at a lower X-Sandbox-Timeout', async () => {
      const reply = await request(router.url, '/hang', {
        headers: headers({ 'X-Sandbox-Timeout': '0.5' }),
      });
      expectRouterError(
        reply,
        504,
        'UPSTREAM_TIMEOUT',
        'Timed out waiting for the backend sandbox: slow-box',
      );
    });
  });
});
