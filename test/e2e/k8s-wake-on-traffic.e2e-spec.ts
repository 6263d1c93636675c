import { WakeCoordinator } from '../../src/modules/lifecycle/wake.coordinator.js';
import { LifecycleMetrics } from '../../src/modules/lifecycle/lifecycle.metrics.js';
import type { RequestRecord } from '../../src/modules/observability/request.record.js';
import { RequestRecords } from '../../src/modules/observability/request.records.js';
import { BatchSandboxResolver } from '../../src/modules/resolution/batch-sandbox.resolver.js';
import { expectRouterError } from '../support/expect-error.js';
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
  droppableRequest,
  resolverIndex,
  useSandboxCluster,
} from '../support/kube-routers.js';
import {
  BATCH_SANDBOX,
  readySandboxStatus,
  SANDBOX,
  sandboxHeaders,
} from '../support/kube-sandboxes.js';
import type { RunningRouter } from '../support/router-app.js';
import { eventually } from '../support/wait.js';
import { connectWs, nextMessage } from '../support/ws.js';

const WAKE = { 'sandbox-router.io/wake-on-traffic': 'true' };

describe('wake on traffic (lifecycle.wake)', () => {
  let client: RecordingKubeClient;
  let impatientClient: RecordingKubeClient;
  const ns = 'waking';
  const lookup = clusterLookup();

  const waking = (
    wake: { timeoutSeconds: number; maxHeld: number },
    onClient: (c: RecordingKubeClient) => void = () => undefined,
  ): ClusterRouterOptions => ({
    lookup,
    config: { lifecycle: { wake: { enabled: true, ...wake } } },
    override: recordingKubeClient(onClient),
  });
  const env = useSandboxCluster({
    namespaces: [ns],
    providers: ['agent-sandbox', 'batch-sandbox'],
    routers: {
      main: waking({ timeoutSeconds: 30, maxHeld: 1024 }, (c) => (client = c)),
      impatient: waking({ timeoutSeconds: 1, maxHeld: 1024 }, (c) => (impatientClient = c)),
      crowded: waking({ timeoutSeconds: 30, maxHeld: 1 }),
    },
  });
  const { routers } = env;

  const held = (app: RunningRouter) => app.app.get(WakeCoordinator).holding;
  const headers = (name: string, port = env.upstream.port) => sandboxHeaders(name, ns, port);

  /** A Sandbox its controller has suspended: spec and the Ready condition both say so. */
  async function createSuspendedSandbox(name: string, annotations: Record<string, string>) {
    await createObject(env.kube, {
      apiVersion: 'agents.x-k8s.io/v1beta1',
      kind: 'Sandbox',
      metadata: { namespace: ns, name, annotations },
      spec: { operatingMode: 'Suspended' },
    });
    await env.sandboxes.setStatus(SANDBOX, ns, name, {
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
    for (const app of Object.values(routers)) {
      await eventually(async () =>
        expect(resolverIndex(app).get(ns, name)?.lifecycle?.suspended).toBe(true),
      );
    }
  }

  /** Plays agent-sandbox's controller: once the resume patch is in, writes a ready status. */
  async function resumeWhenPatched(name: string): Promise<void> {
    const patched = await eventually(async () => {
      const object = await getObject(env.kube, SANDBOX, ns, name);
      expect(object.spec.operatingMode).toBe('Running');
      return object;
    }, 20_000);
    const ready = readySandboxStatus(ns, name);
    await env.sandboxes.setStatus(SANDBOX, ns, name, {
      ...ready,
      conditions: [{ ...ready.conditions[0], observedGeneration: patched.metadata.generation }],
    });
  }

  it('resumes a suspended, opted-in sandbox with one patch for 20 concurrent requests, and forwards all of them once it is ready', async () => {
    await createSuspendedSandbox('sleepy', WAKE);
    const finished: Readonly<RequestRecord>[] = [];
    routers.main.app.get(RequestRecords).observe({ finished: (record) => finished.push(record) });
    const replies = Array.from({ length: 20 }, (_, i) =>
      request(routers.main.url, `/req-${i}`, { headers: headers('sleepy') }),
    );
    await eventually(async () => expect(held(routers.main)).toBe(20));

    await resumeWhenPatched('sleepy');
    const released = await Promise.all(replies);
    expect(released.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(released.map((r) => r.json<{ url: string }>().url).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `/req-${i}`).sort(),
    );
    expect(client.patchesTo('sleepy')).toEqual([
      { type: 'merge', body: { spec: { operatingMode: 'Running' } } },
    ]);
    expect((await getObject(env.kube, SANDBOX, ns, 'sleepy')).metadata.generation).toBe(2);
    expect(held(routers.main)).toBe(0);
    expect(routers.main.app.get(LifecycleMetrics).wakeSeconds.count).toBe(1);
    // Each one waited, and its record (the access log's line) says for how long.
    await eventually(async () => expect(finished).toHaveLength(20));
    for (const record of finished) expect(record.heldMs).toBeGreaterThan(0);
  });

  it('answers 401, and patches nothing, for a secure sandbox woken without its credential', async () => {
    await createSuspendedSandbox('guarded', {
      ...WAKE,
      'opensandbox.io/secure-access-token': 'guard-token',
    });
    const refused = await request(routers.main.url, '/', {
      headers: { ...headers('guarded'), 'opensandbox-secure-access': 'wrong' },
    });
    expectRouterError(refused, 401, 'UNAUTHORIZED', 'Missing or invalid secure access credential.');
    expect(client.patchesTo('guarded')).toEqual([]);

    const reply = request(routers.main.url, '/', {
      headers: { ...headers('guarded'), 'opensandbox-secure-access': 'guard-token' },
    });
    await resumeWhenPatched('guarded');
    expect((await reply).status).toBe(200);
  });

  it('answers 503 at once, and patches nothing, for a suspended sandbox that did not opt in', async () => {
    await createSuspendedSandbox('not-opted-in', {});
    const reply = await request(routers.main.url, '/', { headers: headers('not-opted-in') });
    expectRouterError(
      reply,
      503,
      'SANDBOX_NOT_READY',
      'Sandbox not-opted-in is not ready: condition Ready is False: Sandbox is suspended',
    );
    expect(client.patchesTo('not-opted-in')).toEqual([]);
    expect((await getObject(env.kube, SANDBOX, ns, 'not-opted-in')).spec.operatingMode).toBe(
      'Suspended',
    );
  });

  it('answers 503 with Retry-After when the sandbox does not resume in time, and frees the held slot', async () => {
    await createSuspendedSandbox('stuck', WAKE);
    const reply = await request(routers.impatient.url, '/', { headers: headers('stuck') });
    expectRouterError(
      reply,
      503,
      'SANDBOX_NOT_READY',
      'Sandbox stuck is resuming: not ready after 1 s',
    );
    expect(reply.headers['retry-after']).toBe('5');
    expect(held(routers.impatient)).toBe(0);
    expect(resolverIndex(routers.impatient).waiting).toBe(0);
    expect(impatientClient.patchesTo('stuck')).toHaveLength(1);
  });

  it('answers 503 at once past maxHeld held requests', async () => {
    await createSuspendedSandbox('crowded', WAKE);
    const first = droppableRequest(routers.crowded, headers('crowded'));
    await eventually(async () => expect(held(routers.crowded)).toBe(1));

    const reply = await request(routers.crowded.url, '/', { headers: headers('crowded') });
    expectRouterError(
      reply,
      503,
      'SANDBOX_NOT_READY',
      'Sandbox crowded is resuming: too many requests are waiting for sandboxes to resume',
    );
    expect(reply.headers['retry-after']).toBe('5');
    first.req.destroy();
    await first.closed;
    await eventually(async () => expect(held(routers.crowded)).toBe(0));
  });

  it('frees a held slot at once when its client leaves', async () => {
    await createSuspendedSandbox('left-alone', WAKE);
    const { req, closed } = droppableRequest(routers.main, headers('left-alone'));
    await eventually(async () => expect(held(routers.main)).toBe(1));

    req.destroy();
    await closed;
    await eventually(async () => expect(held(routers.main)).toBe(0));
    expect(resolverIndex(routers.main).waiting).toBe(0);
  });

  it('resumes a paused BatchSandbox with pause: false and releases it on Succeed, ready and endpoints', async () => {
    await createObject(env.kube, {
      apiVersion: 'sandbox.opensandbox.io/v1alpha1',
      kind: 'BatchSandbox',
      metadata: { namespace: ns, name: 'paused-batch', annotations: WAKE },
      spec: { replicas: 1, pause: true },
    });
    await env.sandboxes.setStatus(BATCH_SANDBOX, ns, 'paused-batch', {
      phase: 'Paused',
      replicas: 1,
      ready: 0,
    });
    await eventually(async () =>
      expect(
        resolverIndex(routers.main, BatchSandboxResolver).get(ns, 'paused-batch')?.lifecycle
          ?.suspended,
      ).toBe(true),
    );
    const reply = request(routers.main.url, '/batch', { headers: headers('paused-batch') });
    await eventually(async () =>
      expect((await getObject(env.kube, BATCH_SANDBOX, ns, 'paused-batch')).spec.pause).toBe(false),
    );
    // Endpoints first, then the phase: the request waits for all three.
    await env.sandboxes.annotate(BATCH_SANDBOX, ns, 'paused-batch', {
      'sandbox.opensandbox.io/endpoints': '["127.0.0.1"]',
    });
    await env.sandboxes.setStatus(BATCH_SANDBOX, ns, 'paused-batch', {
      phase: 'Running',
      ready: 1,
    });
    expect(held(routers.main)).toBe(1);
    await env.sandboxes.setStatus(BATCH_SANDBOX, ns, 'paused-batch', {
      phase: 'Succeed',
      ready: 1,
    });

    const released = await reply;
    expect(released.status).toBe(200);
    expect(released.json<{ url: string }>().url).toBe('/batch');
    expect(client.patchesTo('paused-batch')).toEqual([
      { type: 'merge', body: { spec: { pause: false } } },
    ]);
  });

  it('wakes a sandbox for a WebSocket upgrade and relays once it is ready', async () => {
    await createSuspendedSandbox('ws-sleepy', WAKE);
    const opened = connectWs(`ws://127.0.0.1:${routers.main.port}/socket`, {
      headers: headers('ws-sleepy', env.wsUpstream.port),
    });
    await eventually(async () => expect(held(routers.main)).toBe(1));

    await resumeWhenPatched('ws-sleepy');
    const ws = await opened;
    const echoed = nextMessage(ws);
    ws.send('hello');
    expect((await echoed).data.toString()).toBe('hello');
    ws.close();
    expect(client.patchesTo('ws-sleepy')).toHaveLength(1);
  });
});
