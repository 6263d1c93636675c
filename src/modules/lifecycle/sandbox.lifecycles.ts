import { Injectable } from '@nestjs/common';
import type { SandboxRecord } from '../resolution/sandbox.index.js';
import type { LifecycleKind, SandboxLifecycle, WakeHold } from '../resolution/sandbox.lifecycle.js';
import { KeepAliveService } from './keep-alive.service.js';
import { WakeCoordinator } from './wake.coordinator.js';

/** One custom-resource kind's wake and keep-alive, bound to its cache and resource. */
class KindLifecycle implements SandboxLifecycle {
  constructor(
    private readonly kind: LifecycleKind,
    private readonly wake: WakeCoordinator,
    private readonly keepAlive: KeepAliveService,
  ) {}

  wakes(record: SandboxRecord): boolean {
    return this.wake.wakes(record);
  }

  hold(hold: WakeHold): Promise<SandboxRecord | undefined> {
    return this.wake.hold(this.kind, hold);
  }

  activity(record: SandboxRecord) {
    return this.keepAlive.trackerOf(this.kind, record);
  }
}

/** What the custom-resource providers are given: a lifecycle per kind, or none when all is off. */
@Injectable()
export class SandboxLifecycles {
  constructor(
    private readonly wake: WakeCoordinator,
    private readonly keepAlive: KeepAliveService,
  ) {}

  forKind(kind: LifecycleKind): SandboxLifecycle | undefined {
    if (!this.wake.enabled && !this.keepAlive.enabled) return undefined;
    return new KindLifecycle(kind, this.wake, this.keepAlive);
  }
}
