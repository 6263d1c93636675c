import type { RouteKey } from '../routing/route-key.js';
import type { SandboxResolver, Target } from './sandbox.resolver.js';

/** A vetted `X-Sandbox-Pod-IP` names the address itself (routing.allowPodIp). */
export class PodIpResolver implements SandboxResolver {
  resolve({ podIp, port, sandboxId, namespace = '' }: RouteKey): Target | undefined {
    if (!podIp) return undefined;
    const host = podIp.includes(':') ? `[${podIp}]` : podIp;
    return {
      url: new URL(`http://${host}:${port}`),
      source: 'pod-ip',
      identity: `${namespace}/${sandboxId}`,
    };
  }
}
