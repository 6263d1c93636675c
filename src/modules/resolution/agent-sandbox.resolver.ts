import { isIP } from 'node:net';
import type { ResolutionConfig } from '../config/router.config.js';
import type { InformerRegistry } from '../kubernetes/informer.registry.js';
import type { KubeObject } from '../kubernetes/kube.client.js';
import { IndexedSandboxResolver } from './indexed.resolver.js';
import { SandboxIndex, SandboxRecord } from './sandbox.index.js';
import { sandboxNameCandidates } from './sandbox-names.js';

type TargetField = ResolutionConfig['agentSandbox']['target'];

// Condition messages are the controller's free text; a 503 body needs only the gist.
const MAX_MESSAGE = 200;

/**
 * SPEC §3.2: ready when condition `Ready` is `True` and `status.serviceFQDN` is set; the target
 * is that name, or the first `status.podIPs` entry (no DNS on the hot path).
 */
export function decodeSandbox(object: KubeObject, target: TargetField): SandboxRecord {
  const status = (object.status ?? {}) as SandboxStatus;
  const ready = Array.isArray(status.conditions)
    ? (status.conditions as Condition[]).find((condition) => condition?.type === 'Ready')
    : undefined;
  let host: string | undefined;
  let notReady: string | undefined;
  if (!ready) {
    notReady = 'no Ready condition yet';
  } else if (ready.status !== 'True') {
    const why = String(ready.message || ready.reason || '').slice(0, MAX_MESSAGE);
    notReady = `condition Ready is ${ready.status}${why ? `: ${why}` : ''}`;
  } else if (typeof status.serviceFQDN !== 'string' || !status.serviceFQDN) {
    notReady = 'status.serviceFQDN is not set';
  } else if (target === 'podIP') {
    host = firstPodIp(status.podIPs);
    if (!host) notReady = 'status.podIPs has no IP address';
  } else {
    host = status.serviceFQDN;
  }
  return SandboxRecord.of(object.metadata, { host, notReady });
}

interface SandboxStatus {
  serviceFQDN?: unknown;
  podIPs?: unknown;
  conditions?: unknown;
}

interface Condition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
}

/** Entries are plain strings in agent-sandbox; `{ip}` objects (the Pod form) are accepted too. */
function firstPodIp(podIps: unknown): string | undefined {
  const first: unknown = Array.isArray(podIps) ? podIps[0] : undefined;
  const ip = typeof first === 'string' ? first : (first as { ip?: unknown } | undefined)?.ip;
  return typeof ip === 'string' && isIP(ip) ? ip : undefined;
}

export interface AgentSandboxResolverOptions {
  readonly resolution: ResolutionConfig;
  readonly readyWaitMs: number;
}

/** agent-sandbox `Sandbox` resources (`agents.x-k8s.io`), from an informer-fed index. */
export class AgentSandboxResolver extends IndexedSandboxResolver {
  constructor(
    informers: InformerRegistry,
    { resolution, readyWaitMs }: AgentSandboxResolverOptions,
  ) {
    const index = new SandboxIndex();
    super({ source: 'agent-sandbox', index, candidates: sandboxNameCandidates, readyWaitMs });
    const { version, target } = resolution.agentSandbox;
    informers.register({
      provider: 'agent-sandbox',
      resource: { group: 'agents.x-k8s.io', version, plural: 'sandboxes' },
      namespaces: resolution.kubernetes.namespaces,
      decode: (object) => decodeSandbox(object, target),
      sink: index,
    });
  }
}
