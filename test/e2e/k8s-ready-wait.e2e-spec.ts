import { expectRouterError, expectSandboxNotFound } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import { droppableRequest, resolverIndex, useSandboxCluster } from '../support/kube-routers.js';
import { sandboxHeaders } from '../support/kube-sandboxes.js';
import { eventually } from '../support/wait.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import type { RunningRouter } from '../support/router-app.js';

describe('holding requests for a starting sandbox (proxy.readyWaitSeconds)', () => {
  const ns = 'waiting';
  const lookup = new MappedLookup((host) => host.endsWith('.svc.cluster.local'));
  const env = useSandboxCluster({
    namespaces: [ns],
    providers: ['agent-sandbox'],
    routers: {
      patient: { lookup, config: { proxy: { readyWaitSeconds: 30 } } },
      hasty: { lookup, config: { proxy: { readyWaitSeconds: 0.2 } } },
    },
  });
  const { routers } = env;
  const headers = (id: string) => sandboxHeaders(id, ns, env.upstream.port);
  const known = (router: RunningRouter, name: string) =>
    eventually(async () => expect(resolverIndex(router).get(ns, name)).toBeDefined());

  it('holds a request for a known, not-ready sandbox and forwards it on the watch event that makes it ready', async () => {
    await env.sandboxes.createSandbox(ns, 'slow-start');
    await known(routers.patient, 'slow-start');
    const reply = request(routers.patient.url, '/held', { headers: headers('slow-start') });
    await eventually(async () => expect(resolverIndex(routers.patient).waiting).toBe(1));

    await env.sandboxes.markReady(ns, 'slow-start');
    const released = await reply;
    expect(released.status).toBe(200);
    expect(released.json<{ url: string }>().url).toBe('/held');
    expect(resolverIndex(routers.patient).waiting).toBe(0);
  });

  it('answers 503 SANDBOX_NOT_READY when the wait runs out', async () => {
    await env.sandboxes.createSandbox(ns, 'never-ready');
    await known(routers.hasty, 'never-ready');
    const reply = await request(routers.hasty.url, '/', { headers: headers('never-ready') });
    expectRouterError(
      reply,
      503,
      'SANDBOX_NOT_READY',
      'Sandbox never-ready is not ready: no Ready condition yet',
    );
    expect(reply.headers['retry-after']).toBe('1');
    expect(resolverIndex(routers.hasty).waiting).toBe(0);
  });

  it('answers 404 at once, without waiting, for a sandbox nobody created', async () => {
    const reply = await request(routers.patient.url, '/', { headers: headers('nobody') });
    expectSandboxNotFound(reply, 'nobody');
  });

  it('frees the held request when the client gives up', async () => {
    await env.sandboxes.createSandbox(ns, 'abandoned');
    await known(routers.patient, 'abandoned');
    const { req, closed } = droppableRequest(routers.patient, headers('abandoned'));
    await eventually(async () => expect(resolverIndex(routers.patient).waiting).toBe(1));

    req.destroy();
    await closed;
    await eventually(async () => expect(resolverIndex(routers.patient).waiting).toBe(0));
  });
});
