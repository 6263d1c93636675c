import type { SandboxRecord } from '../resolution/sandbox.index.js';
import type {
  ActiveSocket,
  LifecycleKind,
  SandboxActivity,
} from '../resolution/sandbox.lifecycle.js';
import type { KeepAliveService } from './keep-alive.service.js';

export interface SandboxTrackerOptions {
  readonly kind: LifecycleKind;
  readonly record: SandboxRecord;
  /** At most one expiry patch this often. */
  readonly debounceMs: number;
}

/**
 * One opted-in sandbox's traffic, for keep-alive: a request's `touch` is a timestamp compare,
 * and at most one patch per debounce period goes out. WebSockets are followed while open.
 */
export class SandboxTracker implements SandboxActivity {
  readonly kind: LifecycleKind;
  readonly namespace: string;
  readonly name: string;
  private readonly debounceMs: number;
  private nextPatchAtMs = 0;
  private warned = false;
  private sockets?: Set<ActiveSocket>;

  constructor(
    private readonly service: KeepAliveService,
    { kind, record, debounceMs }: SandboxTrackerOptions,
  ) {
    this.kind = kind;
    this.namespace = record.namespace;
    this.name = record.name;
    this.debounceMs = debounceMs;
  }

  touch(): void {
    const now = this.service.clock.now();
    if (now < this.nextPatchAtMs) return;
    this.nextPatchAtMs = now + this.debounceMs;
    void this.service.extend(this, now);
  }

  follow(socket: ActiveSocket): void {
    (this.sockets ??= new Set()).add(socket);
  }

  unfollow(socket: ActiveSocket): void {
    this.sockets?.delete(socket);
  }

  /** Whether an open WebSocket carried a message since `sinceMs`. */
  hasRecentSocket(sinceMs: number): boolean {
    if (!this.sockets) return false;
    for (const socket of this.sockets) if (socket.lastMessageAt >= sinceMs) return true;
    return false;
  }

  /** No open WebSocket, and the debounce is over: nothing is lost by forgetting it. */
  idleAt(nowMs: number): boolean {
    return !this.sockets?.size && nowMs >= this.nextPatchAtMs;
  }

  /** True the first time only: a failing patch is logged once per tracker. */
  warn(): boolean {
    if (this.warned) return false;
    return (this.warned = true);
  }
}
