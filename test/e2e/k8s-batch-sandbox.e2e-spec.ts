import { expectRouterError, expectSandboxNotFound } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import type { KubeApiServer } from '../support/kube-apiserver.js';
import {
  BATCH_SANDBOX,
  type KubeSandboxes,
  sandboxHeaders,
  startSandboxCluster,
  startSyncedRouter,
} from '../support/kube-sandboxes.js';
import { eventually } from '../support/wait.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import type { RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

const ENDPOINTS = 'sandbox.opensandbox.io/endpoints';

describe('OpenSandbox BatchSandbox resources on a real kube-apiserver', () => {
  let kube: KubeApiServer;
  let sandboxes: KubeSandboxes;
  let upstream: Upstream;
  let router: RunningRouter;
  const lookup = new MappedLookup((host) => host === '127.0.0.1');
  const ns = 'batch-a';
  const other = 'batch-b';

  beforeAll(async () => {
    ({ kube, sandboxes } = await startSandboxCluster([ns, other]));
    upstream = await startUpstream();
    router = await startSyncedRouter({
      lookup,
      config: {
        resolution: {
          providers: ['batch-sandbox'],
          kubernetes: { namespaces: [ns, other], kubeconfig: kube.kubeconfig },
        },
      },
    });
  }, 90_000);

  afterAll(async () => {
    await router?.close();
    await upstream?.close();
    await kube?.stop();
  }, 30_000);

  const get = (id: string, namespace = ns) =>
    request(router.url, '/batch', { headers: sandboxHeaders(id, namespace, upstream.port) });
  const notReady = async (id: string, reason: string) =>
    eventually(async () => {
      const reply = await get(id);
      expectRouterError(reply, 503, 'SANDBOX_NOT_READY', `Sandbox ${id} is not ready: ${reason}`);
      expect(reply.headers['retry-after']).toBe('1');
    });

  it('answers 503 while status.ready is 0, then routes to the first endpoint once ready', async () => {
    await sandboxes.createBatchSandbox(ns, 'batch-one', { [ENDPOINTS]: '["127.0.0.1"]' });
    await notReady('batch-one', '0 of 1 replicas ready');

    await sandboxes.setStatus(BATCH_SANDBOX, ns, 'batch-one', { replicas: 1, ready: 1 });
    const reply = await eventually(async () => {
      const routed = await get('batch-one');
      expect(routed.status).toBe(200);
      return routed;
    });
    expect(reply.json<{ url: string; headers: Record<string, string> }>()).toMatchObject({
      url: '/batch',
      headers: { host: `127.0.0.1:${upstream.port}` },
    });

    await sandboxes.delete(BATCH_SANDBOX, ns, 'batch-one');
    await eventually(async () => expectSandboxNotFound(await get('batch-one'), 'batch-one'));
  });

  it('answers 503 while the endpoints annotation is missing, invalid JSON or empty', async () => {
    await sandboxes.createBatchSandbox(ns, 'batch-two');
    await sandboxes.setStatus(BATCH_SANDBOX, ns, 'batch-two', { replicas: 1, ready: 1 });
    await notReady('batch-two', `annotation ${ENDPOINTS} is missing`);

    await sandboxes.annotate(BATCH_SANDBOX, ns, 'batch-two', { [ENDPOINTS]: '["127.0.0.1"' });
    await notReady('batch-two', `annotation ${ENDPOINTS} is not valid JSON`);

    await sandboxes.annotate(BATCH_SANDBOX, ns, 'batch-two', { [ENDPOINTS]: '[]' });
    await notReady('batch-two', `annotation ${ENDPOINTS} is empty`);

    await sandboxes.annotate(BATCH_SANDBOX, ns, 'batch-two', {
      [ENDPOINTS]: '["127.0.0.1","10.0.0.9"]',
    });
    await eventually(async () => expect((await get('batch-two')).status).toBe(200));
  });

  it('answers 502 SANDBOX_AMBIGUOUS for the same name in two namespaces when the route names none', async () => {
    for (const namespace of [ns, other]) {
      await sandboxes.createBatchSandbox(namespace, 'batch-twin', { [ENDPOINTS]: '["127.0.0.1"]' });
      await sandboxes.setStatus(BATCH_SANDBOX, namespace, 'batch-twin', { replicas: 1, ready: 1 });
    }
    await eventually(async () => expect((await get('batch-twin', other)).status).toBe(200));

    // The OpenSandbox header names no namespace: the name is looked up across the watched ones.
    const reply = await request(router.url, '/', {
      headers: { 'OpenSandbox-Ingress-To': `batch-twin-${upstream.port}` },
    });
    expectRouterError(
      reply,
      502,
      'SANDBOX_AMBIGUOUS',
      `Sandbox batch-twin exists in several namespaces: ${ns}, ${other}`,
    );
    await sandboxes.delete(BATCH_SANDBOX, other, 'batch-twin');
    await eventually(async () => {
      const routed = await request(router.url, '/', {
        headers: { 'OpenSandbox-Ingress-To': `batch-twin-${upstream.port}` },
      });
      expect(routed.status).toBe(200);
    });
  });

  it('guards a sandbox annotated with a secure-access token, and follows the token as it changes', async () => {
    const TOKEN = 'opensandbox.io/secure-access-token';
    await sandboxes.createBatchSandbox(ns, 'batch-secure', {
      [ENDPOINTS]: '["127.0.0.1"]',
      [TOKEN]: 'first',
    });
    await sandboxes.setStatus(BATCH_SANDBOX, ns, 'batch-secure', { replicas: 1, ready: 1 });
    const send = (token?: string) =>
      request(router.url, '/', {
        headers: {
          ...sandboxHeaders('batch-secure', ns, upstream.port),
          ...(token === undefined ? {} : { 'OpenSandbox-Secure-Access': token }),
        },
      });
    const rejected = 'Missing or invalid secure access credential.';
    await eventually(async () => expect((await send('first')).status).toBe(200));
    expect(upstream.requests.at(-1)?.headers).not.toHaveProperty('opensandbox-secure-access');
    expectRouterError(await send(), 401, 'UNAUTHORIZED', rejected);

    await sandboxes.annotate(BATCH_SANDBOX, ns, 'batch-secure', { [TOKEN]: 'second' });
    await eventually(async () =>
      expectRouterError(await send('first'), 401, 'UNAUTHORIZED', rejected),
    );
    expect((await send('second')).status).toBe(200);
  });
});
