import { request as httpRequest } from 'node:http';
import { WakeCoordinator } from '../../src/modules/lifecycle/wake.coordinator.js';
import { LifecycleMetrics } from '../../src/modules/lifecycle/lifecycle.metrics.js';
import type { RequestRecord } from '../../src/modules/observability/request.record.js';
import { RequestRecords } from '../../src/modules/observability/request.records.js';
import { AgentSandboxResolver } from '../../src/modules/resolution/agent-sandbox.resolver.js';
import { BatchSandboxResolver } from '../../src/modules/resolution/batch-sandbox.resolver.js';
import { SANDBOX_RESOLVER } from '../../src/modules/resolution/resolution.constants.js';
import type { ResolverChain } from '../../src/modules/resolution/resolver.chain.js';
import type { SandboxIndex } from '../../src/modules/resolution/sandbox.index.js';
import { expectRouterError } from '../support/expect-error.js';
import { request } from '../support/http-client.js';
import type { KubeApiServer } from '../support/kube-apiserver.js';
import {
  createObject,
  getObject,
  recordingKubeClient,
  type RecordingKubeClient,
} from '../support/kube-lifecycle.js';
import {
  BATCH_SANDBOX,
  type KubeSandboxes,
  readySandboxStatus,
  SANDBOX,
  sandboxHeaders,
  startSandboxCluster,
  startSyncedRouter,
} from '../support/kube-sandboxes.js';
import { MappedLookup } from '../support/mapped-lookup.js';
import type { RunningRouter } from '../support/router-app.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { eventually } from '../support/wait.js';
import { connectWs, nextMessage, startWsUpstream, type WsUpstream } from '../support/ws.js';

const WAKE = { 'sandbox-router.io/wake-on-traffic': 'true' };

describe('wake on traffic (lifecycle.wake)', () => {
  let kube: KubeApiServer;
  let sandboxes: KubeSandboxes;
  let upstream: Upstream;
  let wsUpstream: WsUpstream;
  /** timeoutSeconds 30, maxHeld 1024. */
  let router: RunningRouter;
  let client: RecordingKubeClient;
  /** timeoutSeconds 1. */
  let impatient: RunningRouter;
  let impatientClient: RecordingKubeClient;
  /** maxHeld 1. */
  let crowded: RunningRouter;
  const ns = 'waking';
  const lookup = new MappedLookup(
    (host) => host.endsWith('.svc.cluster.local') || host === '127.0.0.1',
  );

  const routerWith = (
    wake: { timeoutSeconds: number; maxHeld: number },
    onClient: (c: RecordingKubeClient) => void,
  ) =>
    startSyncedRouter({
      lookup,
      config: {
        resolution: {
          providers: ['agent-sandbox', 'batch-sandbox'],
          kubernetes: { kubeconfig: kube.kubeconfig },
        },
        lifecycle: { wake: { enabled: true, ...wake } },
      },
      override: recordingKubeClient(onClient),
    });

  beforeAll(async () => {
    ({ kube, sandboxes } = await startSandboxCluster([ns]));
    upstream = await startUpstream();
    wsUpstream = await startWsUpstream();
    router = await routerWith({ timeoutSeconds: 30, maxHeld: 1024 }, (c) => (client = c));
    impatient = await routerWith(
      { timeoutSeconds: 1, maxHeld: 1024 },
      (c) => (impatientClient = c),
    );
    crowded = await routerWith({ timeoutSeconds: 30, maxHeld: 1 }, () => undefined);
  }, 90_000);

  afterAll(async () => {
    await router?.close();
    await impatient?.close();
    await crowded?.close();
    await upstream?.close();
    await wsUpstream?.close();
    await kube?.stop();
  }, 30_000);

  const providerIndex = (app: RunningRouter, type: typeof AgentSandboxResolver): SandboxIndex =>
    app.app
      .get<ResolverChain>(SANDBOX_RESOLVER)
      .providers.find((p): p is AgentSandboxResolver => p instanceof type)!.index;
  const held = (app: RunningRouter) => app.app.get(WakeCoordinator).holding;
  const headers = (name: string, port = upstream.port) => sandboxHeaders(name, ns, port);

  /** A Sandbox its controller has suspended: spec and the Ready condition both say so. */
  async function createSuspendedSandbox(name: string, annotations: Record<string, string>) {
    await createObject(kube, {
      apiVersion: 'agents.x-k8s.io/v1beta1',
      kind: 'Sandbox',
      metadata: { namespace: ns, name, annotations },
      spec: { operatingMode: 'Suspended' },
    });
    await sandboxes.setStatus(SANDBOX, ns, name, {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'SandboxSuspended',
          message: 'Sandbox is suspended',
          observedGeneration: 1,
        },
      ],
    });
    for (const app of [router, impatient, crowded]) {
      await eventually(async () =>
        expect(providerIndex(app, AgentSandboxResolver).get(ns, name)?.lifecycle?.suspended).toBe(
          true,
        ),
      );
    }
  }

  /** Plays agent-sandbox's controller: once the resume patch is in, writes a ready status. */
  async function resumeWhenPatched(name: string): Promise<void> {
    const patched = await eventually(async () => {
      const object = await getObject(kube, SANDBOX, ns, name);
      expect(object.spec.operatingMode).toBe('Running');
      return object;
    }, 20_000);
    const ready = readySandboxStatus(ns, name);
    await sandboxes.setStatus(SANDBOX, ns, name, {
      ...ready,
      conditions: [{ ...ready.conditions[0], observedGeneration: patched.metadata.generation }],
    });
  }

  /** A request on its own connection, to drop while it is held. */
  function heldRequest(app: RunningRouter, name: string) {
    const req = httpRequest({
      host: '127.0.0.1',
      port: app.port,
      path: '/',
      headers: headers(name),
      agent: false,
    });
    const closed = new Promise((resolve) => req.once('close', resolve));
    req.on('error', () => undefined);
    req.end();
    return { req, closed };
  }

  it('resumes a suspended, opted-in sandbox with one patch for 20 concurrent requests, and forwards all of them once it is ready', async () => {
    await createSuspendedSandbox('sleepy', WAKE);
    const finished: Readonly<RequestRecord>[] = [];
    router.app.get(RequestRecords).observe({ finished: (record) => finished.push(record) });
    const replies = Array.from({ length: 20 }, (_, i) =>
      request(router.url, `/req-${i}`, { headers: headers('sleepy') }),
    );
    await eventually(async () => expect(held(router)).toBe(20));

    await resumeWhenPatched('sleepy');
    const released = await Promise.all(replies);
    expect(released.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(released.map((r) => r.json<{ url: string }>().url).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `/req-${i}`).sort(),
    );
    expect(client.patchesTo('sleepy')).toEqual([
      { type: 'merge', body: { spec: { operatingMode: 'Running' } } },
    ]);
    expect((await getObject(kube, SANDBOX, ns, 'sleepy')).metadata.generation).toBe(2);
    expect(held(router)).toBe(0);
    expect(router.app.get(LifecycleMetrics).wakeSeconds.count).toBe(1);
    // Each one waited, and its record (the access log's line) says for how long.
    await eventually(async () => expect(finished).toHaveLength(20));
    for (const record of finished) expect(record.heldMs).toBeGreaterThan(0);
  });

  it('answers 503 at once, and patches nothing, for a suspended sandbox that did not opt in', async () => {
    await createSuspendedSandbox('not-opted-in', {});
    const reply = await request(router.url, '/', { headers: headers('not-opted-in') });
    expectRouterError(
      reply,
      503,
      'SANDBOX_NOT_READY',
      'Sandbox not-opted-in is not ready: condition Ready is False: Sandbox is suspended',
    );
    expect(client.patchesTo('not-opted-in')).toEqual([]);
    expect((await getObject(kube, SANDBOX, ns, 'not-opted-in')).spec.operatingMode).toBe(
      'Suspended',
    );
  });

  it('answers 503 with Retry-After when the sandbox does not resume in time, and frees the held slot', async () => {
    await createSuspendedSandbox('stuck', WAKE);
    const reply = await request(impatient.url, '/', { headers: headers('stuck') });
    expectRouterError(
      reply,
      503,
      'SANDBOX_NOT_READY',
      'Sandbox stuck is resuming: not ready after 1 s',
    );
    expect(reply.headers['retry-after']).toBe('5');
    expect(held(impatient)).toBe(0);
    expect(providerIndex(impatient, AgentSandboxResolver).waiting).toBe(0);
    expect(impatientClient.patchesTo('stuck')).toHaveLength(1);
  });

  it('answers 503 at once past maxHeld held requests', async () => {
    await createSuspendedSandbox('crowded', WAKE);
    const first = heldRequest(crowded, 'crowded');
    await eventually(async () => expect(held(crowded)).toBe(1));

    const reply = await request(crowded.url, '/', { headers: headers('crowded') });
    expectRouterError(
      reply,
      503,
      'SANDBOX_NOT_READY',
      'Sandbox crowded is resuming: too many requests are waiting for sandboxes to resume',
    );
    expect(reply.headers['retry-after']).toBe('5');
    first.req.destroy();
    await first.closed;
    await eventually(async () => expect(held(crowded)).toBe(0));
  });

  it('frees a held slot at once when its client leaves', async () => {
    await createSuspendedSandbox('left-alone', WAKE);
    const { req, closed } = heldRequest(router, 'left-alone');
    await eventually(async () => expect(held(router)).toBe(1));

    req.destroy();
    await closed;
    await eventually(async () => expect(held(router)).toBe(0));
    expect(providerIndex(router, AgentSandboxResolver).waiting).toBe(0);
  });

  it('resumes a paused BatchSandbox with pause: false and releases it on Succeed, ready and endpoints', async () => {
    await createObject(kube, {
      apiVersion: 'sandbox.opensandbox.io/v1alpha1',
      kind: 'BatchSandbox',
      metadata: { namespace: ns, name: 'paused-batch', annotations: WAKE },
      spec: { replicas: 1, pause: true },
    });
    await sandboxes.setStatus(BATCH_SANDBOX, ns, 'paused-batch', {
      phase: 'Paused',
      replicas: 1,
      ready: 0,
    });
    await eventually(async () =>
      expect(
        providerIndex(router, BatchSandboxResolver).get(ns, 'paused-batch')?.lifecycle?.suspended,
      ).toBe(true),
    );
    const reply = request(router.url, '/batch', { headers: headers('paused-batch') });
    await eventually(async () =>
      expect((await getObject(kube, BATCH_SANDBOX, ns, 'paused-batch')).spec.pause).toBe(false),
    );
    // Endpoints first, then the phase: the request waits for all three.
    await sandboxes.annotate(BATCH_SANDBOX, ns, 'paused-batch', {
      'sandbox.opensandbox.io/endpoints': '["127.0.0.1"]',
    });
    await sandboxes.setStatus(BATCH_SANDBOX, ns, 'paused-batch', { phase: 'Running', ready: 1 });
    expect(held(router)).toBe(1);
    await sandboxes.setStatus(BATCH_SANDBOX, ns, 'paused-batch', { phase: 'Succeed', ready: 1 });

    const released = await reply;
    expect(released.status).toBe(200);
    expect(released.json<{ url: string }>().url).toBe('/batch');
    expect(client.patchesTo('paused-batch')).toEqual([
      { type: 'merge', body: { spec: { pause: false } } },
    ]);
  });

  it('wakes a sandbox for a WebSocket upgrade and relays once it is ready', async () => {
    await createSuspendedSandbox('ws-sleepy', WAKE);
    const opened = connectWs(`ws://127.0.0.1:${router.port}/socket`, {
      headers: headers('ws-sleepy', wsUpstream.port),
    });
    await eventually(async () => expect(held(router)).toBe(1));

    await resumeWhenPatched('ws-sleepy');
    const ws = await opened;
    const echoed = nextMessage(ws);
    ws.send('hello');
    expect((await echoed).data.toString()).toBe('hello');
    ws.close();
    expect(client.patchesTo('ws-sleepy')).toHaveLength(1);
  });
});
