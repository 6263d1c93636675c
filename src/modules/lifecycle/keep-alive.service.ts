import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type Clock, CLOCK } from '../clock/clock.js';
import { lifecycleConfig, type LifecycleConfig } from '../config/router.config.js';
import { KubeApiError, KubeClient, objectPath } from '../kubernetes/kube.client.js';
import type { SandboxRecord } from '../resolution/sandbox.index.js';
import type { LifecycleKind } from '../resolution/sandbox.lifecycle.js';
import { LifecycleMetrics } from './lifecycle.metrics.js';
import { SandboxTracker } from './sandbox.tracker.js';

// At most one patch per sandbox per max(30 s, extend / 4) per router: the expiry moves in steps
// a quarter of the extension long, and a busy sandbox costs the API server two calls a minute.
const MIN_DEBOUNCE_MS = 30_000;
// How often open WebSockets are looked at (they count while their messages flow).
const SWEEP_MS = 10_000;

/**
 * Keep alive while used (`lifecycle.keepAlive`): traffic to a sandbox that opted in (its
 * keep-alive annotation) and has an expiry moves the expiry to `max(current, now + extend)`,
 * never backwards: a JSON Patch whose `test` op holds the value it replaces, so a replica with
 * an older view cannot undo another's move. Per sandbox, one tracker debounces in memory.
 */
@Injectable()
export class KeepAliveService implements OnApplicationShutdown {
  private readonly logger = new Logger('KeepAlive');
  private readonly trackers = new Map<string, SandboxTracker>();
  private readonly websocketIdleMs: number;
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(lifecycleConfig.KEY) private readonly config: LifecycleConfig,
    @Inject(CLOCK) readonly clock: Clock,
    private readonly client: KubeClient,
    private readonly metrics: LifecycleMetrics,
  ) {
    this.websocketIdleMs = config.keepAlive.websocketIdleSeconds * 1000;
  }

  get enabled(): boolean {
    return this.config.keepAlive.enabled;
  }

  /** The tracker of an opted-in sandbox (made on its first request). */
  trackerOf(kind: LifecycleKind, record: SandboxRecord): SandboxTracker | undefined {
    const extendSeconds = record.lifecycle?.extendSeconds;
    if (!this.config.keepAlive.enabled || !extendSeconds) return undefined;
    const key = record.key;
    let tracker = this.trackers.get(key);
    if (tracker === undefined) {
      const debounceMs = Math.max(MIN_DEBOUNCE_MS, (extendSeconds * 1000) / 4);
      tracker = new SandboxTracker(this, { kind, record, debounceMs });
      this.trackers.set(key, tracker);
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    }
    return tracker;
  }

  /** Moves the sandbox's expiry forward if `now + extend` is past it; called debounced. */
  async extend(tracker: SandboxTracker, nowMs: number): Promise<void> {
    const { kind, namespace, name } = tracker;
    const facts = kind.index.get(namespace, name)?.lifecycle;
    if (!facts?.expiry || !facts.extendSeconds) return;
    const currentMs = Date.parse(facts.expiry);
    // Whole seconds: the RFC 3339 form Kubernetes itself writes for a metav1.Time.
    const wantedMs = Math.ceil((nowMs + facts.extendSeconds * 1000) / 1000) * 1000;
    if (Number.isNaN(currentMs) || wantedMs <= currentMs) return;
    const path = `/spec/${kind.expiryField}`;
    try {
      await this.client.patch(objectPath(kind.resource, namespace, name), {
        type: 'json',
        body: [
          { op: 'test', path, value: facts.expiry },
          { op: 'replace', path, value: new Date(wantedMs).toISOString().replace('.000Z', 'Z') },
        ],
      });
      this.metrics.keptAlive('patched');
    } catch (error) {
      // A failed `test` (422) or a conflict (409): another replica moved it; the watch brings
      // the new value, and the next debounced touch starts from it.
      const status = error instanceof KubeApiError ? error.status : 0;
      if (status === 409 || status === 422) return this.metrics.keptAlive('conflict');
      this.metrics.keptAlive('failed');
      if (tracker.warn()) {
        this.logger.warn(`extending ${namespace}/${name} failed: ${(error as Error).message}`);
      }
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.trackers.clear();
  }

  /**
   * Open WebSockets that carried a message within `websocketIdleSeconds` count as traffic;
   * trackers with neither sockets nor a pending debounce are dropped.
   */
  private sweep(): void {
    const now = this.clock.now();
    for (const [key, tracker] of this.trackers) {
      if (tracker.hasRecentSocket(Date.now() - this.websocketIdleMs)) tracker.touch();
      else if (tracker.idleAt(now)) this.trackers.delete(key);
    }
    if (this.trackers.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
