import {
  decodeBatchSandbox,
  ENDPOINTS_ANNOTATION,
  parseEndpoints,
} from './batch-sandbox.resolver.js';

describe('BatchSandbox endpoints annotation', () => {
  it('takes the first IP of the JSON array', () => {
    expect(parseEndpoints('["10.0.0.7","10.0.0.8"]')).toEqual({ ip: '10.0.0.7' });
    expect(parseEndpoints('["fd00::7"]')).toEqual({ ip: 'fd00::7' });
  });

  it('names the problem when it is missing, invalid JSON, empty or not an IP', () => {
    expect(parseEndpoints(undefined)).toEqual({
      problem: `annotation ${ENDPOINTS_ANNOTATION} is missing`,
    });
    expect(parseEndpoints('["10.0.0.7"')).toEqual({
      problem: `annotation ${ENDPOINTS_ANNOTATION} is not valid JSON`,
    });
    expect(parseEndpoints('{}')).toEqual({
      problem: `annotation ${ENDPOINTS_ANNOTATION} is not a JSON array`,
    });
    expect(parseEndpoints('[]')).toEqual({
      problem: `annotation ${ENDPOINTS_ANNOTATION} is empty`,
    });
    expect(parseEndpoints('["pod-a"]')).toEqual({
      problem: `annotation ${ENDPOINTS_ANNOTATION} does not start with an IP address`,
    });
  });
});

describe('BatchSandbox ready rules', () => {
  const batch = (ready: number | undefined, annotations: Record<string, string> = {}) => ({
    metadata: { namespace: 'ns', name: 'b', uid: 'u', resourceVersion: '1', annotations },
    spec: { replicas: 2 },
    status: ready === undefined ? undefined : { replicas: 2, ready },
  });

  it('is not ready while status.ready < 1, whatever the annotation', () => {
    expect(decodeBatchSandbox(batch(0, { [ENDPOINTS_ANNOTATION]: '["10.0.0.1"]' })).notReady).toBe(
      '0 of 2 replicas ready',
    );
    expect(decodeBatchSandbox(batch(undefined)).notReady).toBe('0 of 2 replicas ready');
  });

  it('is ready with ready >= 1 and a usable endpoint, and keeps the secure-access token', () => {
    const record = decodeBatchSandbox(
      batch(1, {
        [ENDPOINTS_ANNOTATION]: '["10.0.0.1"]',
        'opensandbox.io/secure-access-token': 's3cret',
      }),
    );
    expect(record).toMatchObject({ host: '10.0.0.1', notReady: undefined, accessToken: 's3cret' });
  });

  it('is not ready with ready >= 1 but a broken annotation', () => {
    expect(decodeBatchSandbox(batch(1, { [ENDPOINTS_ANNOTATION]: 'nope' })).notReady).toBe(
      `annotation ${ENDPOINTS_ANNOTATION} is not valid JSON`,
    );
  });
});
