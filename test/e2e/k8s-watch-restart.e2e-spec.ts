import { request } from '../support/http-client.js';
import type { KubeApiServer } from '../support/kube-apiserver.js';
import {
  type KubeSandboxes,
  sandboxHeaders,
  startSandboxCluster,
} from '../support/kube-sandboxes.js';
import { eventually } from '../support/wait.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import { type RunningRouter, startRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

describe('informer readiness and an API server restart', () => {
  let kube: KubeApiServer;
  let sandboxes: KubeSandboxes;
  let upstream: Upstream;
  let router: RunningRouter | undefined;
  const ns = 'restarts';

  beforeAll(async () => {
    ({ kube, sandboxes } = await startSandboxCluster([ns]));
    await sandboxes.createReadySandbox(ns, 'before');
    upstream = await startUpstream();
  }, 90_000);

  afterAll(async () => {
    await router?.close();
    await upstream?.close();
    await kube?.stop();
  }, 30_000);

  const get = (id: string) =>
    request(router!.url, '/', { headers: sandboxHeaders(id, ns, upstream.port) });

  it('answers /readyz 503 until the informer has listed, and 200 after', async () => {
    await kube.killApiServer();
    router = await startRouter({
      lookup: new MappedLookup((host) => host.endsWith('.svc.cluster.local')),
      config: {
        resolution: {
          providers: ['agent-sandbox'],
          kubernetes: { namespaces: [ns], kubeconfig: kube.kubeconfig },
        },
      },
    });
    const unsynced = await request(router.url, '/readyz');
    expect(unsynced.status).toBe(503);
    expect(unsynced.json()).toMatchObject({
      error: { informers: { status: 'down', unsynced: ['sandboxes.agents.x-k8s.io/v1beta1'] } },
    });

    await kube.start();
    await eventually(
      async () => expect((await request(router!.url, '/readyz')).status).toBe(200),
      30_000,
    );
    expect((await get('before')).status).toBe(200);
  }, 60_000);

  it('keeps routing from its cache while the API server is down, and sees sandboxes created after it is back', async () => {
    await kube.killApiServer();
    expect((await get('before')).status).toBe(200);
    expect((await request(router!.url, '/readyz')).status).toBe(200);

    await kube.start();
    await sandboxes.createReadySandbox(ns, 'after');
    await eventually(async () => expect((await get('after')).status).toBe(200), 30_000);
    expect((await get('before')).status).toBe(200);
  }, 60_000);
});
