import type { RouteKey } from '../routing/route-key.js';

/** Where a route key's traffic goes. */
export interface Target {
  /** Origin (and optional base path) of the sandbox, e.g. http://demo.default.svc.cluster.local:8888 */
  readonly url: URL;
}

/** Made on demand: an AbortSignal that fires when the waiting client leaves. */
export type ClientGone = () => AbortSignal;

/**
 * One resolution provider. Answers undefined when it does not know the key, so the next
 * provider is asked; throws RouterError (SANDBOX_NOT_FOUND / _NOT_READY / _AMBIGUOUS) when it
 * knows the sandbox and it cannot take traffic.
 */
export interface SandboxResolver {
  /**
   * `clientGone` gives a signal that aborts when the client goes away; a provider asks for it
   * only when it is about to wait (a not-ready sandbox), so the common path wires nothing.
   */
  resolve(key: RouteKey, clientGone?: ClientGone): Target | undefined | Promise<Target | undefined>;
}
