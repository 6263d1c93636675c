import { RouterError } from '../errors/router-error.js';
import type { RouteKey } from '../routing/route-key.js';
import type { SandboxResolver, Target, Waiting } from './sandbox.resolver.js';

/** The configured providers in order: the first that knows the key wins. */
export class ResolverChain implements SandboxResolver {
  constructor(readonly providers: readonly SandboxResolver[]) {}

  async resolve(key: RouteKey, waiting?: Waiting): Promise<Target> {
    for (const provider of this.providers) {
      const target = await provider.resolve(key, waiting);
      if (target) return target;
    }
    throw new RouterError('SANDBOX_NOT_FOUND', `Sandbox not found: ${key.sandboxId}`);
  }
}
