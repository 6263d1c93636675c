import type { RouteKey } from '../routing/route-key.js';
import type { SandboxResolver, Target } from './sandbox.resolver.js';

/** A fixed map of sandbox id -> base URL, for local development, tests and the demo. */
export class StaticResolver implements SandboxResolver {
  private readonly targets: Map<string, Target>;

  constructor(sandboxes: Record<string, string>) {
    this.targets = new Map(
      Object.entries(sandboxes).map(([id, url]) => [
        id,
        { url: new URL(url), source: 'static', identity: `static/${id}` },
      ]),
    );
  }

  resolve({ sandboxId }: RouteKey): Target | undefined {
    return this.targets.get(sandboxId);
  }
}
