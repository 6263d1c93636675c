import type { ResolutionConfig } from '../config/router.config.js';
import type { RouteKey } from '../routing/route-key.js';
import type { SandboxResolver, Target } from './sandbox.resolver.js';

type StaticSandboxes = ResolutionConfig['static']['sandboxes'];

/**
 * A fixed map of sandbox id -> base URL, for local development, tests and the demo. An entry may
 * carry the secure-access token a custom resource would (SPEC §9), to try that flow locally.
 */
export class StaticResolver implements SandboxResolver {
  private readonly targets: Map<string, Target>;

  constructor(sandboxes: StaticSandboxes) {
    this.targets = new Map(
      Object.entries(sandboxes).map(([id, entry]) => {
        const { url, secureAccessToken } = typeof entry === 'string' ? { url: entry } : entry;
        const target: Target = {
          url: new URL(url),
          source: 'static',
          identity: `static/${id}`,
          accessToken: secureAccessToken,
        };
        return [id, target];
      }),
    );
  }

  resolve({ sandboxId }: RouteKey): Target | undefined {
    return this.targets.get(sandboxId);
  }
}
