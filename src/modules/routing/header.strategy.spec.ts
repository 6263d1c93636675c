import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { RouterError } from '../errors/router-error.js';
import { HeaderRouteStrategy, type HeaderStrategyOptions } from './header.strategy.js';

const DEFAULTS: HeaderStrategyOptions = {
  defaultNamespace: 'default',
  defaultPort: 8888,
  allowPodIp: true,
};

const requestWith = (headers: Record<string, string>) =>
  ({ headers: lowerCased(headers) }) as unknown as IncomingMessage;

// Node hands strategies lower-case header names.
const lowerCased = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

function extract(headers: Record<string, string>, options: Partial<HeaderStrategyOptions> = {}) {
  return new HeaderRouteStrategy({ ...DEFAULTS, ...options }).extract(requestWith(headers));
}

function failureOf(headers: Record<string, string>, options: Partial<HeaderStrategyOptions> = {}) {
  try {
    extract(headers, options);
  } catch (error) {
    if (error instanceof RouterError) return { code: error.code, detail: error.detail };
    throw error;
  }
  throw new Error('expected the strategy to refuse the request');
}

const withId = (extra: Record<string, string>) => ({ 'X-Sandbox-ID': 'my-sandbox', ...extra });

describe('HeaderRouteStrategy', () => {
  // Ignored timeouts are logged; keep the test output quiet.
  beforeAll(() => Logger.overrideLogger(false));

  it('finds no route key in a request without X-Sandbox-* headers', () => {
    expect(extract({ Host: 'router', Accept: '*/*' })).toBeUndefined();
  });

  it('reads the id and applies the default namespace and port', () => {
    expect(extract({ 'X-Sandbox-ID': 'my-sandbox' })).toEqual({
      kind: 'header',
      sandboxId: 'my-sandbox',
      namespace: 'default',
      port: 8888,
      podIp: undefined,
      timeoutSeconds: undefined,
    });
  });

  it('uses the configured default namespace and port', () => {
    expect(
      extract({ 'X-Sandbox-ID': 'a' }, { defaultNamespace: 'sandboxes', defaultPort: 3000 }),
    ).toMatchObject({ namespace: 'sandboxes', port: 3000 });
  });

  it('reads an explicit hyphenated namespace and port', () => {
    expect(
      extract(withId({ 'X-Sandbox-Namespace': 'team-a-dev', 'X-Sandbox-Port': '8080' })),
    ).toMatchObject({ sandboxId: 'my-sandbox', namespace: 'team-a-dev', port: 8080 });
  });

  it.each(['a', '0', 'sandbox-1', 'a'.repeat(63)])('accepts the sandbox id %j', (id) => {
    expect(extract({ 'X-Sandbox-ID': id })?.sandboxId).toBe(id);
  });

  it.each([
    ['X-Sandbox-Port', '8080'],
    ['X-Sandbox-Namespace', 'default'],
    ['X-Sandbox-Pod-IP', '10.0.0.1'],
    ['X-Sandbox-Timeout', '5'],
  ])('requires X-Sandbox-ID once %s is sent', (name, value) => {
    expect(failureOf({ [name]: value })).toEqual({
      code: 'ROUTE_MISSING',
      detail: 'X-Sandbox-ID header is required.',
    });
  });

  it('finds no route key in a request whose only X-Sandbox-* header is X-Sandbox-Skip-Activity', () => {
    expect(extract({ 'X-Sandbox-Skip-Activity': 'true' })).toBeUndefined();
  });

  it('requires X-Sandbox-ID when it is sent empty', () => {
    expect(failureOf({ 'X-Sandbox-ID': '' })).toEqual({
      code: 'ROUTE_MISSING',
      detail: 'X-Sandbox-ID header is required.',
    });
  });

  it.each([
    'bad.sandbox.id',
    'My-Sandbox',
    'UPPER',
    'a'.repeat(64),
    '-leading',
    'trailing-',
    'under_score',
    'white space',
  ])('refuses the sandbox id %j as ROUTE_INVALID', (id) => {
    expect(failureOf({ 'X-Sandbox-ID': id })).toEqual({
      code: 'ROUTE_INVALID',
      detail: 'Invalid sandbox ID format.',
    });
  });

  it.each(['team a', 'team$a', 'ns!', 'Team-A', 'a.b', '-ns', 'n'.repeat(64)])(
    'refuses the namespace %j as ROUTE_INVALID',
    (namespace) => {
      expect(failureOf(withId({ 'X-Sandbox-Namespace': namespace }))).toEqual({
        code: 'ROUTE_INVALID',
        detail: 'Invalid namespace format.',
      });
    },
  );

  it.each(['not-a-number', '0', '65536', '-80', '100000', '80.5', '', '0x50'])(
    'refuses the port %j as ROUTE_INVALID',
    (port) => {
      expect(failureOf(withId({ 'X-Sandbox-Port': port }))).toEqual({
        code: 'ROUTE_INVALID',
        detail: 'Invalid port format.',
      });
    },
  );

  it.each([
    ['1', 1],
    ['65535', 65535],
  ])('accepts the boundary port %s', (raw, port) => {
    expect(extract(withId({ 'X-Sandbox-Port': raw }))?.port).toBe(port);
  });

  it.each([
    ['10.20.30.40', '10.20.30.40'],
    ['2001:db8::1', '2001:db8::1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
  ])('accepts the pod IP %s when allowPodIp is on', (raw, address) => {
    expect(extract(withId({ 'X-Sandbox-Pod-IP': raw }))?.podIp).toBe(address);
  });

  it.each(['not-a-ip', '999.999.999.999', '10.20.30', '10.20.30.40:80', ''])(
    'refuses the malformed pod IP %j',
    (ip) => {
      expect(failureOf(withId({ 'X-Sandbox-Pod-IP': ip }))).toEqual({
        code: 'ROUTE_INVALID',
        detail: 'Invalid target IP address format.',
      });
    },
  );

  it.each(['127.0.0.1', '::1', '169.254.169.254', 'fe80::1', '224.0.0.1', '0.0.0.0', '::'])(
    'refuses the pod IP %s as a forbidden target',
    (ip) => {
      expect(failureOf(withId({ 'X-Sandbox-Pod-IP': ip }))).toEqual({
        code: 'ROUTE_INVALID',
        detail: 'Invalid target IP address.',
      });
    },
  );

  it('ignores X-Sandbox-Pod-IP, even a malformed one, when allowPodIp is off', () => {
    expect(
      extract(withId({ 'X-Sandbox-Pod-IP': 'not-a-ip' }), { allowPodIp: false })?.podIp,
    ).toBeUndefined();
    expect(
      extract(withId({ 'X-Sandbox-Pod-IP': '10.20.30.40' }), { allowPodIp: false })?.podIp,
    ).toBeUndefined();
  });

  it.each([
    ['0.5', 0.5],
    ['30', 30],
  ])('reads X-Sandbox-Timeout %s as %d seconds', (raw, seconds) => {
    expect(extract(withId({ 'X-Sandbox-Timeout': raw }))?.timeoutSeconds).toBe(seconds);
  });

  it.each(['abc', 'inf', 'Infinity', '0', '-1', '', 'NaN'])(
    'ignores the invalid X-Sandbox-Timeout %j instead of refusing the request',
    (raw) => {
      expect(extract(withId({ 'X-Sandbox-Timeout': raw }))?.timeoutSeconds).toBeUndefined();
    },
  );

  it('lists every header it reads so none is forwarded', () => {
    expect(new HeaderRouteStrategy(DEFAULTS).headers).toEqual([
      'x-sandbox-id',
      'x-sandbox-namespace',
      'x-sandbox-port',
      'x-sandbox-pod-ip',
      'x-sandbox-timeout',
    ]);
  });
});
