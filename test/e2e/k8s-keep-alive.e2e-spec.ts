import type { Registry } from 'prom-client';
import { InformerRegistry } from '../../src/modules/kubernetes/informer.registry.js';
import { METRICS_REGISTRY } from '../../src/modules/observability/metrics.registry.js';
import { BatchSandboxResolver } from '../../src/modules/resolution/batch-sandbox.resolver.js';
import { request } from '../support/http-client.js';
import {
  createObject,
  getObject,
  recordingKubeClient,
  type RecordingKubeClient,
} from '../support/kube-lifecycle.js';
import {
  clusterLookup,
  type ClusterRouterOptions,
  resolverIndex,
  useSandboxCluster,
} from '../support/kube-routers.js';
import { BATCH_SANDBOX, SANDBOX, sandboxHeaders } from '../support/kube-sandboxes.js';
import type { RunningRouter } from '../support/router-app.js';
import { TestClock } from '../support/test-clock.js';
import { eventually } from '../support/wait.js';

const EXTEND = { 'sandbox-router.io/keepalive-extend-seconds': '300' };
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('keep alive while used (lifecycle.keepAlive)', () => {
  let client: RecordingKubeClient;
  let secondClient: RecordingKubeClient;
  const clock = new TestClock();
  const secondClock = new TestClock();
  // Whole seconds, as Kubernetes writes times.
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const ns = 'keeping';
  const lookup = clusterLookup();

  const keepingAlive = (
    testClock: TestClock,
    onClient: (c: RecordingKubeClient) => void,
  ): ClusterRouterOptions => ({
    lookup,
    config: { lifecycle: { keepAlive: { enabled: true } } },
    override: (builder) => testClock.install(recordingKubeClient(onClient)(builder)),
  });
  const env = useSandboxCluster({
    namespaces: [ns],
    providers: ['agent-sandbox', 'batch-sandbox'],
    routers: {
      first: keepingAlive(clock, (c) => (client = c)),
      second: keepingAlive(secondClock, (c) => (secondClient = c)),
    },
  });
  const { routers } = env;

  const send = (app: RunningRouter, name: string, extra: Record<string, string> = {}) =>
    request(app.url, '/', {
      headers: { ...sandboxHeaders(name, ns, env.upstream.port), ...extra },
    });
  const shutdownTime = async (name: string) =>
    (await getObject(env.kube, SANDBOX, ns, name)).spec.shutdownTime;
  const metricsOf = (app: RunningRouter) => app.app.get<Registry>(METRICS_REGISTRY).metrics();

  /** A ready Sandbox expiring at `expiry`, as its controller runs it. */
  async function createExpiringSandbox(
    name: string,
    expiry: string,
    annotations: Record<string, string>,
  ) {
    await createObject(env.kube, {
      apiVersion: 'agents.x-k8s.io/v1beta1',
      kind: 'Sandbox',
      metadata: { namespace: ns, name, annotations },
      spec: { shutdownTime: expiry },
    });
    await env.sandboxes.markReady(ns, name);
    for (const app of [routers.first, routers.second]) {
      await eventually(async () => expect(resolverIndex(app).get(ns, name)?.host).toBeDefined());
    }
  }

  it('moves shutdownTime forward once for steady traffic within the debounce, and again after it', async () => {
    await createExpiringSandbox('busy', iso(t0 + 60_000), EXTEND);
    // Ten seconds of traffic, a request a second.
    for (let second = 0; second <= 10; second++) {
      clock.nowMs = t0 + second * 1000;
      expect((await send(routers.first, 'busy')).status).toBe(200);
    }
    await eventually(async () => expect(await shutdownTime('busy')).toBe(iso(t0 + 300_000)));
    expect(client.patchesTo('busy')).toEqual([
      {
        type: 'json',
        body: [
          { op: 'test', path: '/spec/shutdownTime', value: iso(t0 + 60_000) },
          { op: 'replace', path: '/spec/shutdownTime', value: iso(t0 + 300_000) },
        ],
      },
    ]);

    // The debounce of a 300 s extension is 75 s: past it, traffic moves the expiry again.
    await eventually(async () =>
      expect(resolverIndex(routers.first).get(ns, 'busy')?.lifecycle?.expiry).toBe(
        iso(t0 + 300_000),
      ),
    );
    clock.nowMs = t0 + 80_000;
    expect((await send(routers.first, 'busy')).status).toBe(200);
    await eventually(async () => expect(await shutdownTime('busy')).toBe(iso(t0 + 380_000)));
    expect(client.patchesTo('busy')).toHaveLength(2);
  });

  it('does not count a request with X-Sandbox-Skip-Activity: true, nor forward the header', async () => {
    await createExpiringSandbox('watched', iso(t0 + 60_000), EXTEND);
    clock.nowMs = t0;
    const reply = await send(routers.first, 'watched', { 'X-Sandbox-Skip-Activity': 'true' });
    expect(reply.status).toBe(200);
    expect(reply.json<{ headers: object }>().headers).not.toHaveProperty('x-sandbox-skip-activity');
    expect(client.patchesTo('watched')).toEqual([]);
    expect(await shutdownTime('watched')).toBe(iso(t0 + 60_000));

    expect((await send(routers.first, 'watched')).status).toBe(200);
    await eventually(async () => expect(await shutdownTime('watched')).toBe(iso(t0 + 300_000)));
  });

  it('never patches a sandbox that did not opt in', async () => {
    await createExpiringSandbox('plain', iso(t0 + 60_000), {});
    clock.nowMs = t0;
    expect((await send(routers.first, 'plain')).status).toBe(200);
    expect(client.patchesTo('plain')).toEqual([]);
    expect(await shutdownTime('plain')).toBe(iso(t0 + 60_000));
  });

  it('moves a running BatchSandbox expireTime, and never patches a paused one', async () => {
    const renew = { 'opensandbox.io/access-renew-extend-seconds': '600' };
    for (const [name, phase] of [
      ['batch-running', 'Succeed'],
      ['batch-paused', 'Paused'],
    ]) {
      await createObject(env.kube, {
        apiVersion: 'sandbox.opensandbox.io/v1alpha1',
        kind: 'BatchSandbox',
        metadata: {
          namespace: ns,
          name,
          annotations: { ...renew, 'sandbox.opensandbox.io/endpoints': '["127.0.0.1"]' },
        },
        spec: { replicas: 1, expireTime: iso(t0 + 60_000) },
      });
      await env.sandboxes.setStatus(BATCH_SANDBOX, ns, name, { phase, replicas: 1, ready: 1 });
      await eventually(async () =>
        expect(
          resolverIndex(routers.first, BatchSandboxResolver).get(ns, name)?.host,
        ).toBeDefined(),
      );
    }
    clock.nowMs = t0;
    expect((await send(routers.first, 'batch-paused')).status).toBe(200);
    expect((await send(routers.first, 'batch-running')).status).toBe(200);
    await eventually(async () =>
      expect((await getObject(env.kube, BATCH_SANDBOX, ns, 'batch-running')).spec.expireTime).toBe(
        iso(t0 + 600_000),
      ),
    );
    expect(client.patchesTo('batch-paused')).toEqual([]);
    expect((await getObject(env.kube, BATCH_SANDBOX, ns, 'batch-paused')).spec.expireTime).toBe(
      iso(t0 + 60_000),
    );
  });

  it('never moves shutdownTime backwards when a second router with an older view patches it', async () => {
    await createExpiringSandbox('shared', iso(t0 + 60_000), EXTEND);
    // The second router stops hearing of changes: its cache keeps the first expiry.
    await Promise.all(
      routers.second.app.get(InformerRegistry).all.map((informer) => informer.stop()),
    );
    clock.nowMs = t0 + 100_000;
    expect((await send(routers.first, 'shared')).status).toBe(200);
    await eventually(async () => expect(await shutdownTime('shared')).toBe(iso(t0 + 400_000)));

    // Its clock is behind too: it would set t0 + 300 s, earlier than what the first one set.
    secondClock.nowMs = t0;
    expect((await send(routers.second, 'shared')).status).toBe(200);
    expect(secondClient.patchesTo('shared')).toHaveLength(1);
    await eventually(async () =>
      expect(await metricsOf(routers.second)).toContain(
        'sandbox_router_keepalive_patches_total{outcome="conflict"} 1',
      ),
    );
    expect(await shutdownTime('shared')).toBe(iso(t0 + 400_000));
  });
});
