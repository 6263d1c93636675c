import { request as httpRequest } from 'node:http';
import { AgentSandboxResolver } from '../../src/modules/resolution/agent-sandbox.resolver.js';
import { SANDBOX_RESOLVER } from '../../src/modules/resolution/resolution.constants.js';
import type { ResolverChain } from '../../src/modules/resolution/resolver.chain.js';
import type { SandboxIndex } from '../../src/modules/resolution/sandbox.index.js';
import { expectRouterError, expectSandboxNotFound } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import type { KubeApiServer } from '../support/kube-apiserver.js';
import {
  type KubeSandboxes,
  sandboxHeaders,
  startSandboxCluster,
  startSyncedRouter,
} from '../support/kube-sandboxes.js';
import { eventually } from '../support/wait.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import type { RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

describe('holding requests for a starting sandbox (proxy.readyWaitSeconds)', () => {
  let kube: KubeApiServer;
  let sandboxes: KubeSandboxes;
  let upstream: Upstream;
  let patient: RunningRouter;
  let hasty: RunningRouter;
  const ns = 'waiting';
  const lookup = new MappedLookup((host) => host.endsWith('.svc.cluster.local'));

  const routerWith = (readyWaitSeconds: number) =>
    startSyncedRouter({
      lookup,
      config: {
        resolution: { providers: ['agent-sandbox'], kubernetes: { kubeconfig: kube.kubeconfig } },
        proxy: { readyWaitSeconds },
      },
    });

  beforeAll(async () => {
    ({ kube, sandboxes } = await startSandboxCluster([ns]));
    upstream = await startUpstream();
    patient = await routerWith(30);
    hasty = await routerWith(0.2);
  }, 90_000);

  afterAll(async () => {
    await patient?.close();
    await hasty?.close();
    await upstream?.close();
    await kube?.stop();
  }, 30_000);

  const indexOf = (router: RunningRouter): SandboxIndex => {
    const chain = router.app.get<ResolverChain>(SANDBOX_RESOLVER);
    return chain.providers.find(
      (p): p is AgentSandboxResolver => p instanceof AgentSandboxResolver,
    )!.index;
  };
  const headers = (id: string) => sandboxHeaders(id, ns, upstream.port);
  const known = (router: RunningRouter, name: string) =>
    eventually(async () => expect(indexOf(router).get(ns, name)).toBeDefined());

  it('holds a request for a known, not-ready sandbox and forwards it on the watch event that makes it ready', async () => {
    await sandboxes.createSandbox(ns, 'slow-start');
    await known(patient, 'slow-start');
    const reply = request(patient.url, '/held', { headers: headers('slow-start') });
    await eventually(async () => expect(indexOf(patient).waiting).toBe(1));

    await sandboxes.markReady(ns, 'slow-start');
    const released = await reply;
    expect(released.status).toBe(200);
    expect(released.json<{ url: string }>().url).toBe('/held');
    expect(indexOf(patient).waiting).toBe(0);
  });

  it('answers 503 SANDBOX_NOT_READY when the wait runs out', async () => {
    await sandboxes.createSandbox(ns, 'never-ready');
    await known(hasty, 'never-ready');
    const reply = await request(hasty.url, '/', { headers: headers('never-ready') });
    expectRouterError(
      reply,
      503,
      'SANDBOX_NOT_READY',
      'Sandbox never-ready is not ready: no Ready condition yet',
    );
    expect(reply.headers['retry-after']).toBe('1');
    expect(indexOf(hasty).waiting).toBe(0);
  });

  it('answers 404 at once, without waiting, for a sandbox nobody created', async () => {
    const reply = await request(patient.url, '/', { headers: headers('nobody') });
    expectSandboxNotFound(reply, 'nobody');
  });

  it('frees the held request when the client gives up', async () => {
    await sandboxes.createSandbox(ns, 'abandoned');
    await known(patient, 'abandoned');
    const req = httpRequest({
      host: '127.0.0.1',
      port: patient.port,
      path: '/',
      headers: headers('abandoned'),
      agent: false,
    });
    const closed = new Promise((resolve) => req.once('close', resolve));
    req.on('error', () => undefined);
    req.end();
    await eventually(async () => expect(indexOf(patient).waiting).toBe(1));

    req.destroy();
    await closed;
    await eventually(async () => expect(indexOf(patient).waiting).toBe(0));
  });
});
