import type { RouteKey } from '../routing/route-key.js';

/** Where a route key's traffic goes. */
export interface Target {
  /** Origin (and optional base path) of the sandbox, e.g. http://demo.default.svc.cluster.local:8888 */
  readonly url: URL;
}

/**
 * One resolution provider. Answers undefined when it does not know the key, so the next
 * provider is asked; throws RouterError (SANDBOX_NOT_FOUND / _NOT_READY / _AMBIGUOUS) when it
 * knows the sandbox and it cannot take traffic.
 */
export interface SandboxResolver {
  /** `signal` aborts when the client goes away, e.g. while a not-ready sandbox is waited for. */
  resolve(key: RouteKey, signal?: AbortSignal): Target | undefined | Promise<Target | undefined>;
}
