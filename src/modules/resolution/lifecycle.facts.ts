/** Opts a sandbox into wake on traffic (unless `lifecycle.wake.allSandboxes`). */
export const WAKE_ANNOTATION = 'sandbox-router.io/wake-on-traffic';
/** Opts a sandbox into keep-alive, and says by how much traffic moves its expiry. */
export const KEEPALIVE_ANNOTATION = 'sandbox-router.io/keepalive-extend-seconds';
/** OpenSandbox's own name for the same setting, honoured on BatchSandboxes. */
export const RENEW_ANNOTATION = 'opensandbox.io/access-renew-extend-seconds';

// Shorter would patch a sandbox every few seconds; longer than a day is not "while used".
const MIN_EXTEND_SECONDS = 300;
const MAX_EXTEND_SECONDS = 86_400;

/** An annotation's extension in seconds, or 0 when absent, not an integer, or out of range. */
export function extendSecondsOf(value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value.trim())) return 0;
  const seconds = Number(value);
  return seconds >= MIN_EXTEND_SECONDS && seconds <= MAX_EXTEND_SECONDS ? seconds : 0;
}

/**
 * What wake on traffic and keep-alive need of a sandbox's resource. Made only for the few
 * sandboxes that are suspended, between generations, or opted into keep-alive: every other
 * record carries none (200,000 cached sandboxes must stay under 1 KiB each).
 */
export class LifecycleFacts {
  constructor(
    /** Suspended or paused, as the spec asks or the status tells: waking it is needed. */
    readonly suspended: boolean,
    /** The spec still asks for the suspension: waking means patching it. */
    readonly resumeNeeded: boolean,
    /**
     * The status is not about the current spec yet (observedGeneration < generation, or a
     * BatchSandbox phase other than Succeed): a wake does not trust its ready state.
     */
    readonly unsettled: boolean,
    /** `sandbox-router.io/wake-on-traffic: "true"`. */
    readonly wakeOptIn: boolean,
    /** The current expiry, exactly as the resource has it (the JSON Patch `test` value). */
    readonly expiry: string | undefined,
    /** Keep-alive's extension; 0 = not opted in (or no expiry to move). */
    readonly extendSeconds: number,
  ) {}

  /** Undefined when there is nothing to remember (the common case). */
  static of(facts: {
    suspended: boolean;
    resumeNeeded: boolean;
    unsettled: boolean;
    annotations: Record<string, string>;
    expiry: unknown;
    extendAnnotation: string | undefined;
  }): LifecycleFacts | undefined {
    const expiry = typeof facts.expiry === 'string' && facts.expiry ? facts.expiry : undefined;
    const extendSeconds = expiry === undefined ? 0 : extendSecondsOf(facts.extendAnnotation);
    if (!facts.suspended && !facts.unsettled && extendSeconds === 0) return undefined;
    return new LifecycleFacts(
      facts.suspended,
      facts.resumeNeeded,
      facts.unsettled,
      facts.annotations[WAKE_ANNOTATION] === 'true',
      extendSeconds === 0 ? undefined : expiry,
      extendSeconds,
    );
  }
}
