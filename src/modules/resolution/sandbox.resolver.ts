import type { RouteKey } from '../routing/route-key.js';
import type { SandboxActivity } from './sandbox.lifecycle.js';

/** Which provider resolved a target (SPEC §3). */
export type TargetSource = 'pod-ip' | 'dns' | 'agent-sandbox' | 'batch-sandbox' | 'static' | 'pool';

/** Where a route key's traffic goes, and what the provider that found it knows. */
export interface Target {
  /** Origin (and optional base path) of the sandbox, e.g. http://demo.default.svc.cluster.local:8888 */
  readonly url: URL;
  readonly source: TargetSource;
  /**
   * The sandbox the address belongs to, as its provider names it (`<namespace>/<name>`, plus the
   * resource's uid for custom resources). Upstream pools are keyed on it with the address, so a
   * pooled socket never serves another sandbox after an IP is recycled (SPEC §4.6).
   */
  readonly identity: string;
  /** `opensandbox.io/secure-access-token` of the sandbox's resource (SPEC §9), when it has one. */
  readonly accessToken?: string;
  /** Keep-alive's tracker of the sandbox, when its traffic moves its expiry forward. */
  readonly activity?: SandboxActivity;
}

/** What a provider may ask of the request it resolves for, once it is about to hold it. */
export interface Waiting {
  /** Made on demand: an AbortSignal that fires when the client leaves. */
  clientGone(): AbortSignal;
  /**
   * Throws unless the request may reach a sandbox with this secure-access token (SPEC §9):
   * asked before a wake, so a client without the sandbox's credential cannot resume it.
   */
  admit(accessToken: string | undefined): void;
}

/**
 * One resolution provider. Answers undefined when it does not know the key, so the next
 * provider is asked; throws RouterError (SANDBOX_NOT_FOUND / _NOT_READY / _AMBIGUOUS) when it
 * knows the sandbox and it cannot take traffic.
 */
export interface SandboxResolver {
  /**
   * `waiting` is for a provider about to hold the request (a not-ready or suspended sandbox):
   * the common path asks nothing of it, so nothing is wired per request.
   */
  resolve(key: RouteKey, waiting?: Waiting): Target | undefined | Promise<Target | undefined>;
}
