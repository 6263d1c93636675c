import { isIP } from 'node:net';
import type { ResolutionConfig } from '../config/router.config.js';
import type { InformerRegistry } from '../kubernetes/informer.registry.js';
import type { KubeObject } from '../kubernetes/kube.client.js';
import { IndexedSandboxResolver } from './indexed.resolver.js';
import { KEEPALIVE_ANNOTATION, LifecycleFacts, RENEW_ANNOTATION } from './lifecycle.facts.js';
import { SandboxIndex, SandboxRecord } from './sandbox.index.js';
import type { LifecycleFactory } from './sandbox.lifecycle.js';
import { toDns1035 } from './sandbox-names.js';

export const ENDPOINTS_ANNOTATION = 'sandbox.opensandbox.io/endpoints';
export const ACCESS_TOKEN_ANNOTATION = 'opensandbox.io/secure-access-token';

/**
 * The first address of the endpoints annotation (a JSON array of pod IPs), or why there is
 * none: missing, invalid JSON, empty, or not an IP address all mean "not ready".
 */
export function parseEndpoints(annotation: unknown): { ip: string } | { problem: string } {
  if (typeof annotation !== 'string')
    return { problem: `annotation ${ENDPOINTS_ANNOTATION} is missing` };
  let endpoints: unknown;
  try {
    endpoints = JSON.parse(annotation);
  } catch {
    return { problem: `annotation ${ENDPOINTS_ANNOTATION} is not valid JSON` };
  }
  if (!Array.isArray(endpoints))
    return { problem: `annotation ${ENDPOINTS_ANNOTATION} is not a JSON array` };
  if (endpoints.length === 0) return { problem: `annotation ${ENDPOINTS_ANNOTATION} is empty` };
  const [first] = endpoints;
  if (typeof first !== 'string' || !isIP(first)) {
    return { problem: `annotation ${ENDPOINTS_ANNOTATION} does not start with an IP address` };
  }
  return { ip: first };
}

/** The resource's secure-access token (SPEC §9), on either CR provider's resources. */
export function accessTokenOf(metadata: KubeObject['metadata']): string | undefined {
  const token = metadata?.annotations?.[ACCESS_TOKEN_ANNOTATION];
  return typeof token === 'string' && token ? token : undefined;
}

/** SPEC §3.3: `status.ready < 1`, or no usable endpoint, is not ready. */
export function decodeBatchSandbox(object: KubeObject): SandboxRecord {
  const metadata = object.metadata ?? {};
  const status = (object.status ?? {}) as { ready?: unknown; replicas?: unknown };
  const spec = (object.spec ?? {}) as { replicas?: unknown };
  const annotations = metadata.annotations ?? {};
  const readyCount = Number(status.ready ?? 0);
  let host: string | undefined;
  let notReady: string | undefined;
  if (!(readyCount >= 1)) {
    notReady = `${readyCount || 0} of ${String(status.replicas ?? spec.replicas ?? 1)} replicas ready`;
  } else {
    const endpoint = parseEndpoints(annotations[ENDPOINTS_ANNOTATION]);
    if ('ip' in endpoint) host = endpoint.ip;
    else notReady = endpoint.problem;
  }
  return SandboxRecord.of(metadata, {
    host,
    notReady,
    accessToken: accessTokenOf(metadata),
    lifecycle: lifecycleOf(object, annotations),
  });
}

/** The phase OpenSandbox's controller reports once every replica is up. */
const SUCCEED = 'Succeed';

/**
 * Paused when `spec.pause` asks for it or the phase is Paused or Pausing; a wake trusts only
 * phase Succeed. The expiry counts only while Succeed: patching a paused BatchSandbox bumps its
 * generation and sends it through the pause path again.
 */
function lifecycleOf(object: KubeObject, annotations: Record<string, string>) {
  const spec = (object.spec ?? {}) as { pause?: unknown; expireTime?: unknown };
  const phase = (object.status as { phase?: unknown } | undefined)?.phase;
  const saysPaused = phase === 'Paused' || phase === 'Pausing';
  return LifecycleFacts.of({
    suspended: spec.pause === true || saysPaused,
    resumeNeeded: spec.pause === true || (saysPaused && spec.pause !== false),
    unsettled: phase !== undefined && phase !== SUCCEED,
    annotations,
    expiry: phase === SUCCEED ? spec.expireTime : undefined,
    extendAnnotation: annotations[KEEPALIVE_ANNOTATION] ?? annotations[RENEW_ANNOTATION],
  });
}

/** OpenSandbox names a BatchSandbox after the sandbox id; a normalised id is tried next. */
export function batchSandboxNameCandidates(id: string): string[] {
  const normalised = toDns1035(id);
  return normalised === id ? [id] : [id, normalised];
}

/** OpenSandbox `BatchSandbox` resources (`sandbox.opensandbox.io/v1alpha1`). */
export class BatchSandboxResolver extends IndexedSandboxResolver {
  constructor(
    informers: InformerRegistry,
    options: { resolution: ResolutionConfig; readyWaitMs: number; lifecycle?: LifecycleFactory },
  ) {
    const index = new SandboxIndex();
    const resource = {
      group: 'sandbox.opensandbox.io',
      version: 'v1alpha1',
      plural: 'batchsandboxes',
    };
    super({
      source: 'batch-sandbox',
      index,
      candidates: batchSandboxNameCandidates,
      readyWaitMs: options.readyWaitMs,
      lifecycle: options.lifecycle?.({
        index,
        resource,
        resumePatch: { spec: { pause: false } },
        expiryField: 'expireTime',
      }),
    });
    informers.register({
      provider: 'batch-sandbox',
      resource,
      namespaces: options.resolution.kubernetes.namespaces,
      decode: decodeBatchSandbox,
      sink: index,
    });
  }
}
