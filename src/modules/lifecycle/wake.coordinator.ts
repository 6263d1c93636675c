import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { lifecycleConfig, type LifecycleConfig } from '../config/router.config.js';
import { RouterError } from '../errors/router-error.js';
import { KubeApiError, KubeClient, objectPath } from '../kubernetes/kube.client.js';
import type { SandboxRecord } from '../resolution/sandbox.index.js';
import type { LifecycleKind, WakeHold } from '../resolution/sandbox.lifecycle.js';
import { LifecycleMetrics } from './lifecycle.metrics.js';

/** Resuming takes seconds: clients come back a little later than for a starting sandbox. */
const RETRY_AFTER_SECONDS = '5';

/** One sandbox being resumed: at most one patch, however many requests wait for it. */
interface Wake {
  readonly startedMs: number;
  /** Set when the resume patch failed: every request held for it gets this answer. */
  failure?: RouterError;
  /** Forgets the wake once it had its time, so a later request may try again (never a loop). */
  readonly expiry: NodeJS.Timeout;
}

/**
 * Wake on traffic (`lifecycle.wake`): the first request for a suspended sandbox patches its
 * resource to resume it, and every request for it is held until the watch shows it awake (ready,
 * the status about the current generation), each for at most `timeoutSeconds`, `maxHeld` in all.
 * Resolution happens before any attempt, so a held request's body is not read.
 */
@Injectable()
export class WakeCoordinator implements OnApplicationShutdown {
  private readonly logger = new Logger('WakeOnTraffic');
  private readonly running = new Map<string, Wake>();
  private readonly timeoutMs: number;
  private held = 0;

  constructor(
    @Inject(lifecycleConfig.KEY) private readonly config: LifecycleConfig,
    private readonly client: KubeClient,
    private readonly metrics: LifecycleMetrics,
  ) {
    this.timeoutMs = config.wake.timeoutSeconds * 1000;
  }

  get enabled(): boolean {
    return this.config.wake.enabled;
  }

  /** Requests held now, over all sandboxes. */
  get holding(): number {
    return this.held;
  }

  /** Suspended, and opted in (or every sandbox is woken): the feature being on. */
  wakes(record: SandboxRecord): boolean {
    const facts = record.lifecycle;
    return (
      this.config.wake.enabled &&
      facts?.suspended === true &&
      (facts.wakeOptIn || this.config.wake.allSandboxes)
    );
  }

  /** Starts the sandbox's wake (if none runs) and holds this request until it is awake. */
  async hold(
    kind: LifecycleKind,
    { sandboxId, record, find, clientGone }: WakeHold,
  ): Promise<SandboxRecord | undefined> {
    const wake = this.wakeOf(kind, record, sandboxId);
    if (this.held >= this.config.wake.maxHeld) {
      throw resuming(sandboxId, 'too many requests are waiting for sandboxes to resume');
    }
    this.held++;
    this.metrics.held.inc();
    try {
      const deadline = Date.now() + this.timeoutMs;
      const signal = clientGone?.();
      let current: SandboxRecord | undefined = record;
      for (;;) {
        if (wake.failure) throw wake.failure;
        if (isAwake(current)) return this.awake(current, wake);
        const leftMs = deadline - Date.now();
        if (leftMs <= 0 || signal?.aborted) {
          throw resuming(sandboxId, `not ready after ${this.config.wake.timeoutSeconds} s`);
        }
        await kind.index.changed(current.name, leftMs, signal);
        current = find();
        if (current === undefined) return undefined; // deleted while it resumed
      }
    } finally {
      this.held--;
      this.metrics.held.dec();
    }
  }

  onApplicationShutdown(): void {
    for (const wake of this.running.values()) clearTimeout(wake.expiry);
    this.running.clear();
  }

  /** The sandbox's wake, started (and its patch sent, when the spec still asks to suspend). */
  private wakeOf(kind: LifecycleKind, record: SandboxRecord, sandboxId: string): Wake {
    const key = record.key;
    const running = this.running.get(key);
    if (running) return running;
    const wake: Wake = {
      startedMs: performance.now(),
      expiry: setTimeout(() => this.forget(key, wake), this.timeoutMs).unref(),
    };
    this.running.set(key, wake);
    if (record.lifecycle?.resumeNeeded) void this.resume(kind, record, sandboxId, wake);
    return wake;
  }

  private async resume(kind: LifecycleKind, record: SandboxRecord, id: string, wake: Wake) {
    const { namespace, name } = record;
    try {
      await this.client.patch(objectPath(kind.resource, namespace, name), {
        type: 'merge',
        body: kind.resumePatch,
      });
      this.metrics.woke('patched');
    } catch (error) {
      this.metrics.woke('failed');
      const status = error instanceof KubeApiError ? error.status : undefined;
      // Logged once per wake: the held requests (and those of the next timeoutSeconds) all get
      // this answer rather than a patch each.
      this.logger.warn(`resuming ${namespace}/${name} failed: ${(error as Error).message}`);
      wake.failure = new RouterError(
        'SANDBOX_NOT_READY',
        `Sandbox ${id} could not be resumed: ${status ? `the Kubernetes API answered ${status}` : 'the Kubernetes API is unreachable'}`,
        { 'retry-after': RETRY_AFTER_SECONDS },
      );
      kind.index.notify(name);
    }
  }

  /** The first request to see it awake times the wake and ends it. */
  private awake(record: SandboxRecord, wake: Wake): SandboxRecord {
    const key = record.key;
    if (this.forget(key, wake)) {
      this.metrics.wakeSeconds.observe((performance.now() - wake.startedMs) / 1000);
    }
    return record;
  }

  private forget(key: string, wake: Wake): boolean {
    if (this.running.get(key) !== wake) return false;
    clearTimeout(wake.expiry);
    this.running.delete(key);
    return true;
  }
}

/** Ready, no longer suspended, and the status is about the spec it was resumed with. */
const isAwake = (record: SandboxRecord) =>
  record.host !== undefined && !record.lifecycle?.suspended && !record.lifecycle?.unsettled;

const resuming = (id: string, why: string) =>
  new RouterError('SANDBOX_NOT_READY', `Sandbox ${id} is resuming: ${why}`, {
    'retry-after': RETRY_AFTER_SECONDS,
  });
