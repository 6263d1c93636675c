import { jest } from '@jest/globals';
import { Registry } from 'prom-client';
import type { Clock } from '../clock/clock.js';
import { KubeClient, type KubePatch } from '../kubernetes/kube.client.js';
import { LifecycleFacts } from '../resolution/lifecycle.facts.js';
import { SandboxIndex, SandboxRecord } from '../resolution/sandbox.index.js';
import type { LifecycleKind } from '../resolution/sandbox.lifecycle.js';
import { KeepAliveService } from './keep-alive.service.js';
import { LifecycleMetrics } from './lifecycle.metrics.js';

class FakeKubeClient extends KubeClient {
  readonly patches: KubePatch[] = [];

  constructor() {
    super(null);
  }

  override async patch(_path: string, patch: KubePatch): Promise<void> {
    this.patches.push(patch);
  }
}

const T0 = Date.UTC(2030, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('KeepAliveService', () => {
  const clock: Clock & { nowMs: number } = { nowMs: T0, now: () => clock.nowMs };
  let client: FakeKubeClient;
  let service: KeepAliveService;
  let kind: LifecycleKind;

  const sandbox = (expiryMs: number, extendSeconds = 400) =>
    new SandboxRecord(
      'ns',
      'box',
      'uid',
      '1',
      'h',
      undefined,
      undefined,
      new LifecycleFacts(false, false, false, false, iso(expiryMs), extendSeconds),
    );

  beforeEach(() => {
    clock.nowMs = T0;
    client = new FakeKubeClient();
    service = new KeepAliveService(
      { wake: {} as never, keepAlive: { enabled: true, websocketIdleSeconds: 300 } },
      clock,
      client,
      new LifecycleMetrics(new Registry()),
    );
    kind = {
      index: new SandboxIndex(),
      resource: { group: 'agents.x-k8s.io', version: 'v1beta1', plural: 'sandboxes' },
      resumePatch: {},
      expiryField: 'shutdownTime',
    };
  });
  afterEach(() => service.onApplicationShutdown());

  it('patches at most once per max(30 s, extend / 4), with a test on the old value', () => {
    const record = sandbox(T0 + 60_000);
    kind.index.upsert(record);
    const tracker = service.trackerOf(kind, record)!;
    tracker.touch();
    clock.nowMs = T0 + 99_000; // 400 s / 4 = 100 s
    tracker.touch();
    expect(client.patches).toEqual([
      {
        type: 'json',
        body: [
          { op: 'test', path: '/spec/shutdownTime', value: iso(T0 + 60_000) },
          { op: 'replace', path: '/spec/shutdownTime', value: iso(T0 + 400_000) },
        ],
      },
    ]);
    clock.nowMs = T0 + 100_000;
    tracker.touch();
    expect(client.patches).toHaveLength(2);
  });

  it('never moves an expiry that is already later than now + extend', () => {
    const record = sandbox(T0 + 3_600_000);
    kind.index.upsert(record);
    service.trackerOf(kind, record)!.touch();
    expect(client.patches).toEqual([]);
  });

  it('has no tracker for a sandbox without the opt-in, or with keep-alive off', () => {
    expect(service.trackerOf(kind, sandbox(T0, 0))).toBeUndefined();
    const off = new KeepAliveService(
      { wake: {} as never, keepAlive: { enabled: false, websocketIdleSeconds: 300 } },
      clock,
      client,
      new LifecycleMetrics(new Registry()),
    );
    expect(off.trackerOf(kind, sandbox(T0))).toBeUndefined();
  });

  it('counts an open WebSocket while it carried a message within websocketIdleSeconds', () => {
    jest.useFakeTimers({ now: T0 });
    const sweeping = new KeepAliveService(
      { wake: {} as never, keepAlive: { enabled: true, websocketIdleSeconds: 300 } },
      { now: () => Date.now() },
      client,
      new LifecycleMetrics(new Registry()),
    );
    try {
      const record = sandbox(T0 + 60_000);
      kind.index.upsert(record);
      const tracker = sweeping.trackerOf(kind, record)!;
      const socket = { lastMessageAt: Date.now() };
      tracker.follow(socket);
      jest.advanceTimersByTime(10_000);
      expect(client.patches).toHaveLength(1);
      // Counted for 300 s after its last message, a patch per 100 s debounce (400 s / 4)...
      jest.advanceTimersByTime(290_000);
      expect(client.patches).toHaveLength(3);
      // ...then silent: a forgotten tab keeps nothing alive.
      jest.advanceTimersByTime(400_000);
      expect(client.patches).toHaveLength(3);
      socket.lastMessageAt = Date.now();
      jest.advanceTimersByTime(10_000);
      expect(client.patches).toHaveLength(4);
    } finally {
      sweeping.onApplicationShutdown();
      jest.useRealTimers();
    }
  });

  it('counts an open WebSocket only while it carried a message within the idle window', () => {
    const tracker = service.trackerOf(kind, sandbox(T0))!;
    const socket = { lastMessageAt: 1_000 };
    tracker.follow(socket);
    expect(tracker.hasRecentSocket(1_000)).toBe(true);
    expect(tracker.hasRecentSocket(1_001)).toBe(false);
    expect(tracker.idleAt(T0)).toBe(false);
    tracker.unfollow(socket);
    expect(tracker.hasRecentSocket(0)).toBe(false);
    expect(tracker.idleAt(T0)).toBe(true);
  });
});
