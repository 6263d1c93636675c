import { Registry } from 'prom-client';
import type { LifecycleConfig } from '../config/router.config.js';
import { RouterError } from '../errors/router-error.js';
import { KubeApiError, KubeClient, type KubePatch } from '../kubernetes/kube.client.js';
import { LifecycleFacts } from '../resolution/lifecycle.facts.js';
import { SandboxIndex, SandboxRecord } from '../resolution/sandbox.index.js';
import type { LifecycleKind } from '../resolution/sandbox.lifecycle.js';
import { LifecycleMetrics } from './lifecycle.metrics.js';
import { WakeCoordinator } from './wake.coordinator.js';

/** Answers every patch with `failure`, or accepts it; counts them. */
class FakeKubeClient extends KubeClient {
  readonly patches: KubePatch[] = [];

  constructor(private readonly failure?: Error) {
    super(null);
  }

  override async patch(_path: string, patch: KubePatch): Promise<void> {
    this.patches.push(patch);
    if (this.failure) throw this.failure;
  }
}

const config = (wake: Partial<LifecycleConfig['wake']> = {}): LifecycleConfig => ({
  wake: { enabled: true, allSandboxes: false, timeoutSeconds: 30, maxHeld: 10, ...wake },
  keepAlive: { enabled: false, websocketIdleSeconds: 300 },
});

const facts = (over: Partial<LifecycleFacts> = {}) =>
  Object.assign(new LifecycleFacts(true, true, false, true, undefined, 0), over);
const record = (lifecycle?: LifecycleFacts, host?: string) =>
  new SandboxRecord(
    'ns',
    'box',
    'uid-1',
    '1',
    host,
    host ? undefined : 'suspended',
    undefined,
    lifecycle,
  );

describe('WakeCoordinator', () => {
  let index: SandboxIndex;
  let kind: LifecycleKind;
  const coordinators: WakeCoordinator[] = [];
  const coordinator = (client: KubeClient, wake?: Partial<LifecycleConfig['wake']>) => {
    const made = new WakeCoordinator(config(wake), client, new LifecycleMetrics(new Registry()));
    coordinators.push(made);
    return made;
  };
  const holdOf = (wake: WakeCoordinator, suspended: SandboxRecord) =>
    wake.hold(kind, {
      sandboxId: 'box',
      record: suspended,
      find: () => index.get('ns', 'box'),
    });

  beforeEach(() => {
    index = new SandboxIndex();
    kind = {
      index,
      resource: { group: 'agents.x-k8s.io', version: 'v1beta1', plural: 'sandboxes' },
      resumePatch: { spec: { operatingMode: 'Running' } },
      expiryField: 'shutdownTime',
    };
  });
  afterEach(() => coordinators.splice(0).forEach((c) => c.onApplicationShutdown()));

  it('wakes only suspended sandboxes that opted in, unless allSandboxes', () => {
    const wake = coordinator(new FakeKubeClient());
    expect(wake.wakes(record(facts()))).toBe(true);
    expect(wake.wakes(record(facts({ wakeOptIn: false })))).toBe(false);
    // Merely starting: not suspended, so never patched.
    expect(wake.wakes(record(undefined))).toBe(false);
    expect(wake.wakes(record(facts({ suspended: false, unsettled: true })))).toBe(false);
    const all = coordinator(new FakeKubeClient(), { allSandboxes: true });
    expect(all.wakes(record(facts({ wakeOptIn: false })))).toBe(true);
    expect(coordinator(new FakeKubeClient(), { enabled: false }).wakes(record(facts()))).toBe(
      false,
    );
  });

  it('answers every held request 503 with the reason after one failed patch, without retrying', async () => {
    const client = new FakeKubeClient(new KubeApiError(403, 'forbidden'));
    const wake = coordinator(client);
    const suspended = record(facts());
    index.upsert(suspended);

    const outcomes = await Promise.allSettled([holdOf(wake, suspended), holdOf(wake, suspended)]);
    for (const outcome of outcomes) {
      const error = (outcome as PromiseRejectedResult).reason as RouterError;
      expect(error).toBeInstanceOf(RouterError);
      expect([error.code, error.detail, error.headers]).toEqual([
        'SANDBOX_NOT_READY',
        'Sandbox box could not be resumed: the Kubernetes API answered 403',
        { 'retry-after': '5' },
      ]);
    }
    await expect(holdOf(wake, suspended)).rejects.toThrow(/could not be resumed/);
    expect(client.patches).toHaveLength(1);
    expect(wake.holding).toBe(0);
  });

  it('holds without patching a sandbox whose spec already asks to run, until it is awake', async () => {
    const client = new FakeKubeClient();
    const wake = coordinator(client);
    const resuming = record(facts({ resumeNeeded: false }));
    index.upsert(resuming);
    const held = holdOf(wake, resuming);
    expect(wake.holding).toBe(1);

    // Ready, but the status is about the previous generation: still held.
    index.upsert(record(facts({ suspended: false, resumeNeeded: false, unsettled: true }), 'h'));
    await Promise.resolve();
    expect(wake.holding).toBe(1);
    index.upsert(record(undefined, 'box.ns.svc'));
    expect((await held)?.host).toBe('box.ns.svc');
    expect(client.patches).toEqual([]);
  });
});
