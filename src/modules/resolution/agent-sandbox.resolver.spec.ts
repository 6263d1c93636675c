import { decodeSandbox } from './agent-sandbox.resolver.js';

const sandbox = (status: object) => ({
  metadata: {
    namespace: 'ns',
    name: 'box',
    uid: 'u-1',
    resourceVersion: '7',
    labels: { big: 'x' },
  },
  spec: { podTemplate: { spec: { containers: [] } } },
  status,
});
const ready = { type: 'Ready', status: 'True' };

describe('agent-sandbox ready rules', () => {
  it('is ready on condition Ready=True with status.serviceFQDN, targeting that name', () => {
    const record = decodeSandbox(
      sandbox({ conditions: [ready], serviceFQDN: 'box.ns.svc.cluster.local' }),
      'serviceFQDN',
    );
    expect(record).toMatchObject({
      namespace: 'ns',
      name: 'box',
      uid: 'u-1',
      resourceVersion: '7',
    });
    expect(record.host).toBe('box.ns.svc.cluster.local');
    expect(record.notReady).toBeUndefined();
  });

  it('keeps only the fields routing needs', () => {
    const record = decodeSandbox(sandbox({ conditions: [ready], serviceFQDN: 'f' }), 'serviceFQDN');
    expect(record.lifecycle).toBeUndefined();
    expect(Object.keys(record).sort()).toEqual(
      [
        'accessToken',
        'host',
        'lifecycle',
        'name',
        'namespace',
        'notReady',
        'resourceVersion',
        'uid',
      ].sort(),
    );
  });

  it('carries the opensandbox.io/secure-access-token annotation, as BatchSandboxes do', () => {
    const object = sandbox({ conditions: [ready], serviceFQDN: 'f' });
    const annotated = {
      ...object,
      metadata: { ...object.metadata, annotations: { 'opensandbox.io/secure-access-token': 't' } },
    };
    expect(decodeSandbox(annotated, 'serviceFQDN').accessToken).toBe('t');
    expect(decodeSandbox(object, 'serviceFQDN').accessToken).toBeUndefined();
  });

  it('is not ready without a Ready condition, with Ready not True, or without serviceFQDN', () => {
    expect(decodeSandbox(sandbox({}), 'serviceFQDN').notReady).toBe('no Ready condition yet');
    expect(
      decodeSandbox(
        sandbox({ conditions: [{ type: 'Ready', status: 'False', message: 'image pull' }] }),
        'serviceFQDN',
      ).notReady,
    ).toBe('condition Ready is False: image pull');
    expect(decodeSandbox(sandbox({ conditions: [ready] }), 'serviceFQDN').notReady).toBe(
      'status.serviceFQDN is not set',
    );
  });

  it('targets the first status.podIPs address in podIP mode', () => {
    const status = { conditions: [ready], serviceFQDN: 'f', podIPs: ['10.1.2.3', 'fd00::1'] };
    expect(decodeSandbox(sandbox(status), 'podIP').host).toBe('10.1.2.3');
    expect(decodeSandbox(sandbox({ ...status, podIPs: [{ ip: 'fd00::1' }] }), 'podIP').host).toBe(
      'fd00::1',
    );
    expect(decodeSandbox(sandbox({ ...status, podIPs: [] }), 'podIP').notReady).toBe(
      'status.podIPs has no IP address',
    );
  });
});
