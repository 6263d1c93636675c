import { RouterError } from '../errors/router-error.js';
import type { RouteKey } from '../routing/route-key.js';
import type { ClientGone, SandboxResolver, Target } from './sandbox.resolver.js';

/** The configured providers in order: the first that knows the key wins. */
export class ResolverChain implements SandboxResolver {
  constructor(readonly providers: readonly SandboxResolver[]) {}

  async resolve(key: RouteKey, clientGone?: ClientGone): Promise<Target> {
    for (const provider of this.providers) {
      const target = await provider.resolve(key, clientGone);
      if (target) return target;
    }
    throw new RouterError('SANDBOX_NOT_FOUND', `Sandbox not found: ${key.sandboxId}`);
  }
}
