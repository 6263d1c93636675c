import type { ResourceRef } from '../kubernetes/resource.informer.js';
import type { SandboxIndex, SandboxRecord } from './sandbox.index.js';

/** A WebSocket as keep-alive sees it: when it last carried a message (epoch ms). */
export interface ActiveSocket {
  readonly lastMessageAt: number;
}

/** Traffic to one sandbox, as keep-alive counts it: `touch` costs a timestamp compare. */
export interface SandboxActivity {
  touch(): void;
  /** An open WebSocket counts while messages flow, until it has been silent for a while. */
  follow(socket: ActiveSocket): void;
  unfollow(socket: ActiveSocket): void;
}

/** A request for a suspended sandbox, to hold while it resumes. */
export interface WakeHold {
  readonly sandboxId: string;
  readonly record: SandboxRecord;
  /** The sandbox's record as the cache has it now; undefined once deleted. */
  readonly find: () => SandboxRecord | undefined;
  /** An AbortSignal that fires when the client leaves, made on demand. */
  readonly clientGone?: () => AbortSignal;
}

/**
 * What lifecycle/ does for one custom-resource provider's sandboxes; resolution only asks. A
 * provider has none when both features are off, so the hot path pays one undefined check.
 */
export interface SandboxLifecycle {
  /** Whether this record is a suspended sandbox this router wakes (feature on, opted in). */
  wakes(record: SandboxRecord): boolean;
  /**
   * Resumes the sandbox (one patch however many requests ask) and holds until the watch shows
   * it awake; the fresh record, undefined when it was deleted, or a RouterError 503.
   */
  hold(hold: WakeHold): Promise<SandboxRecord | undefined>;
  /** Its keep-alive tracker, when keep-alive is on and the sandbox opted in with an expiry. */
  activity(record: SandboxRecord): SandboxActivity | undefined;
}

/** One custom-resource kind as lifecycle/ sees it: its cache, where to patch it, how to resume it. */
export interface LifecycleKind {
  readonly index: SandboxIndex;
  readonly resource: ResourceRef;
  /** The merge patch that resumes a suspended one. */
  readonly resumePatch: object;
  /** The spec field keep-alive moves: `shutdownTime` (Sandbox), `expireTime` (BatchSandbox). */
  readonly expiryField: string;
}

/** Made by lifecycle/ from config: undefined when neither wake nor keep-alive is on. */
export type LifecycleFactory = (kind: LifecycleKind) => SandboxLifecycle | undefined;

/** `X-Sandbox-Skip-Activity: true`: not the sandbox's user (health checks, dashboards); never forwarded. */
export const SKIP_ACTIVITY_HEADER = 'x-sandbox-skip-activity';
