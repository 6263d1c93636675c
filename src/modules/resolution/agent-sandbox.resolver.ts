import { isIP } from 'node:net';
import type { ResolutionConfig } from '../config/router.config.js';
import type { InformerRegistry } from '../kubernetes/informer.registry.js';
import type { KubeObject } from '../kubernetes/kube.client.js';
import { accessTokenOf } from './batch-sandbox.resolver.js';
import { IndexedSandboxResolver } from './indexed.resolver.js';
import { KEEPALIVE_ANNOTATION, LifecycleFacts } from './lifecycle.facts.js';
import { SandboxIndex, SandboxRecord } from './sandbox.index.js';
import type { LifecycleFactory } from './sandbox.lifecycle.js';
import { sandboxNameCandidates } from './sandbox-names.js';

type TargetField = ResolutionConfig['agentSandbox']['target'];
type Version = ResolutionConfig['agentSandbox']['version'];

/** The reason agent-sandbox's controller gives a suspended sandbox's Ready condition. */
const SUSPENDED_REASON = 'SandboxSuspended';

/** The merge patch that resumes a suspended Sandbox: v1alpha1 scaled it to 0 replicas. */
export const resumePatchFor = (version: Version): object =>
  version === 'v1alpha1' ? { spec: { replicas: 1 } } : { spec: { operatingMode: 'Running' } };

// Condition messages are the controller's free text; a 503 body needs only the gist.
const MAX_MESSAGE = 200;

/**
 * SPEC §3.2: ready when condition `Ready` is `True` and `status.serviceFQDN` is set; the target
 * is that name, or the first `status.podIPs` entry (no DNS on the hot path).
 */
export function decodeSandbox(
  object: KubeObject,
  target: TargetField,
  version: Version = 'v1beta1',
): SandboxRecord {
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
  return SandboxRecord.of(object.metadata, {
    host,
    notReady,
    accessToken: accessTokenOf(object.metadata),
    lifecycle: lifecycleOf(object, ready, version),
  });
}

/**
 * Suspended when the spec asks for it (`operatingMode: Suspended`; v1alpha1: `replicas: 0`) or
 * the Ready condition says so; unsettled while the condition (else the status) describes an
 * older generation than the spec's.
 */
function lifecycleOf(object: KubeObject, ready: Condition | undefined, version: Version) {
  const spec = (object.spec ?? {}) as { operatingMode?: unknown; replicas?: unknown };
  const metadata = (object.metadata ?? {}) as { generation?: unknown; annotations?: object };
  const asksSuspended =
    version === 'v1alpha1' ? spec.replicas === 0 : spec.operatingMode === 'Suspended';
  const asksRunning =
    version === 'v1alpha1' ? Number(spec.replicas) >= 1 : spec.operatingMode === 'Running';
  const saysSuspended = ready?.status === 'False' && ready.reason === SUSPENDED_REASON;
  const observed =
    ready?.observedGeneration ?? (object.status as SandboxStatus)?.observedGeneration;
  const annotations = (metadata.annotations ?? {}) as Record<string, string>;
  return LifecycleFacts.of({
    suspended: asksSuspended || saysSuspended,
    resumeNeeded: asksSuspended || (saysSuspended && !asksRunning),
    unsettled:
      typeof observed === 'number' &&
      typeof metadata.generation === 'number' &&
      observed < metadata.generation,
    annotations,
    expiry: (object.spec as { shutdownTime?: unknown } | undefined)?.shutdownTime,
    extendAnnotation: annotations[KEEPALIVE_ANNOTATION],
  });
}

interface SandboxStatus {
  serviceFQDN?: unknown;
  podIPs?: unknown;
  conditions?: unknown;
  observedGeneration?: unknown;
}

interface Condition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
  observedGeneration?: unknown;
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
  /** Wake on traffic and keep-alive for these sandboxes, when either is on. */
  readonly lifecycle?: LifecycleFactory;
}

/** agent-sandbox `Sandbox` resources (`agents.x-k8s.io`), from an informer-fed index. */
export class AgentSandboxResolver extends IndexedSandboxResolver {
  constructor(
    informers: InformerRegistry,
    { resolution, readyWaitMs, lifecycle }: AgentSandboxResolverOptions,
  ) {
    const index = new SandboxIndex();
    const { version, target } = resolution.agentSandbox;
    const resource = { group: 'agents.x-k8s.io', version, plural: 'sandboxes' };
    super({
      source: 'agent-sandbox',
      index,
      candidates: sandboxNameCandidates,
      readyWaitMs,
      lifecycle: lifecycle?.({
        index,
        resource,
        resumePatch: resumePatchFor(version),
        expiryField: 'shutdownTime',
      }),
    });
    informers.register({
      provider: 'agent-sandbox',
      resource,
      namespaces: resolution.kubernetes.namespaces,
      decode: (object) => decodeSandbox(object, target, version),
      sink: index,
    });
  }
}
