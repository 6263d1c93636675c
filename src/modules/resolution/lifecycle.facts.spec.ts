import { decodeSandbox } from './agent-sandbox.resolver.js';
import { decodeBatchSandbox } from './batch-sandbox.resolver.js';
import { extendSecondsOf } from './lifecycle.facts.js';

const sandbox = ({
  spec = {},
  status = {},
  annotations = {},
  generation = 1,
}: {
  spec?: object;
  status?: object;
  annotations?: Record<string, string>;
  generation?: number;
}) => ({
  metadata: { namespace: 'ns', name: 'box', uid: 'u', generation, annotations },
  spec,
  status,
});
const suspendedCondition = { type: 'Ready', status: 'False', reason: 'SandboxSuspended' };
const readyStatus = (observedGeneration: number) => ({
  serviceFQDN: 'box.ns.svc.cluster.local',
  conditions: [{ type: 'Ready', status: 'True', observedGeneration }],
});

describe('lifecycle facts of an agent-sandbox Sandbox', () => {
  it('carries none for a ready sandbox without keep-alive', () => {
    const record = decodeSandbox(sandbox({ status: readyStatus(1) }), 'serviceFQDN');
    expect(record.lifecycle).toBeUndefined();
  });

  it('is suspended, and needs a resume patch, when the spec or the Ready condition says so', () => {
    const bySpec = decodeSandbox(sandbox({ spec: { operatingMode: 'Suspended' } }), 'serviceFQDN');
    expect(bySpec.lifecycle).toMatchObject({ suspended: true, resumeNeeded: true });
    const byStatus = decodeSandbox(
      sandbox({ status: { conditions: [suspendedCondition] } }),
      'serviceFQDN',
    );
    expect(byStatus.lifecycle).toMatchObject({ suspended: true, resumeNeeded: true });
  });

  it('needs no patch once the spec asks to run again, but stays suspended until the status changes', () => {
    const resuming = decodeSandbox(
      sandbox({ spec: { operatingMode: 'Running' }, status: { conditions: [suspendedCondition] } }),
      'serviceFQDN',
    );
    expect(resuming.lifecycle).toMatchObject({ suspended: true, resumeNeeded: false });
  });

  it('reads v1alpha1 suspension as zero replicas', () => {
    const record = decodeSandbox(sandbox({ spec: { replicas: 0 } }), 'serviceFQDN', 'v1alpha1');
    expect(record.lifecycle).toMatchObject({ suspended: true, resumeNeeded: true });
    expect(
      decodeSandbox(sandbox({ spec: { replicas: 1 } }), 'serviceFQDN', 'v1alpha1').lifecycle,
    ).toBeUndefined();
  });

  it('is unsettled while the Ready condition describes an older generation', () => {
    const stale = decodeSandbox(sandbox({ status: readyStatus(1), generation: 2 }), 'serviceFQDN');
    expect(stale.host).toBeDefined();
    expect(stale.lifecycle).toMatchObject({ unsettled: true, suspended: false });
    const fresh = decodeSandbox(sandbox({ status: readyStatus(2), generation: 2 }), 'serviceFQDN');
    expect(fresh.lifecycle).toBeUndefined();
  });

  it('notes the wake opt-in annotation', () => {
    const record = decodeSandbox(
      sandbox({
        spec: { operatingMode: 'Suspended' },
        annotations: { 'sandbox-router.io/wake-on-traffic': 'true' },
      }),
      'serviceFQDN',
    );
    expect(record.lifecycle?.wakeOptIn).toBe(true);
  });

  it('keeps the shutdownTime and the extension of a sandbox that opted into keep-alive', () => {
    const record = decodeSandbox(
      sandbox({
        spec: { shutdownTime: '2030-01-01T00:00:00Z' },
        status: readyStatus(1),
        annotations: { 'sandbox-router.io/keepalive-extend-seconds': '600' },
      }),
      'serviceFQDN',
    );
    expect(record.lifecycle).toMatchObject({
      expiry: '2030-01-01T00:00:00Z',
      extendSeconds: 600,
    });
  });

  it('has no keep-alive without an expiry or without the annotation', () => {
    const annotations = { 'sandbox-router.io/keepalive-extend-seconds': '600' };
    const noExpiry = decodeSandbox(sandbox({ status: readyStatus(1), annotations }), 'serviceFQDN');
    expect(noExpiry.lifecycle).toBeUndefined();
    const noOptIn = decodeSandbox(
      sandbox({ spec: { shutdownTime: '2030-01-01T00:00:00Z' }, status: readyStatus(1) }),
      'serviceFQDN',
    );
    expect(noOptIn.lifecycle).toBeUndefined();
  });
});

describe('lifecycle facts of an OpenSandbox BatchSandbox', () => {
  const batch = (spec: object, phase: string | undefined, annotations = {}) => ({
    metadata: { namespace: 'ns', name: 'b', uid: 'u', annotations },
    spec,
    status: { phase, ready: 1, replicas: 1 },
  });
  const renew = { 'opensandbox.io/access-renew-extend-seconds': '900' };

  it('is suspended while Paused or Pausing, and needs `pause: false` unless the spec says so', () => {
    expect(decodeBatchSandbox(batch({ pause: true }, 'Paused')).lifecycle).toMatchObject({
      suspended: true,
      resumeNeeded: true,
    });
    expect(decodeBatchSandbox(batch({}, 'Pausing')).lifecycle).toMatchObject({
      suspended: true,
      resumeNeeded: true,
    });
    expect(decodeBatchSandbox(batch({ pause: false }, 'Paused')).lifecycle).toMatchObject({
      suspended: true,
      resumeNeeded: false,
    });
  });

  it('is unsettled in any phase but Succeed', () => {
    expect(decodeBatchSandbox(batch({}, 'Running')).lifecycle?.unsettled).toBe(true);
    expect(decodeBatchSandbox(batch({}, 'Succeed')).lifecycle).toBeUndefined();
  });

  it('keeps the expireTime only while Succeed, with either annotation', () => {
    const spec = { expireTime: '2030-01-01T00:00:00Z' };
    expect(decodeBatchSandbox(batch(spec, 'Succeed', renew)).lifecycle).toMatchObject({
      expiry: '2030-01-01T00:00:00Z',
      extendSeconds: 900,
    });
    expect(decodeBatchSandbox(batch(spec, 'Paused', renew)).lifecycle?.extendSeconds).toBe(0);
  });
});

describe('keep-alive extension annotation', () => {
  it('accepts whole seconds from 300 to 86400 and nothing else', () => {
    expect(extendSecondsOf('300')).toBe(300);
    expect(extendSecondsOf('86400')).toBe(86400);
    for (const bad of [undefined, '', '299', '86401', '1e3', '600.5', '-600', 'ten']) {
      expect(extendSecondsOf(bad)).toBe(0);
    }
  });
});
