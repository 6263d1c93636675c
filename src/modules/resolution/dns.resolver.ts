import type { RouteKey } from '../routing/route-key.js';
import type { SandboxResolver, Target } from './sandbox.resolver.js';

/**
 * agent-sandbox: every sandbox has a headless Service named like it, so its address is a
 * cluster DNS name. No API calls; the name is looked up when a connection is opened.
 */
export class DnsResolver implements SandboxResolver {
  constructor(
    private readonly clusterDomain: string,
    private readonly defaultNamespace: string,
  ) {}

  resolve({ sandboxId, namespace = this.defaultNamespace, port }: RouteKey): Target {
    return {
      url: new URL(`http://${sandboxId}.${namespace}.svc.${this.clusterDomain}:${port}`),
      source: 'dns',
      identity: `${namespace}/${sandboxId}`,
    };
  }
}
