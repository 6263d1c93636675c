import type { IncomingMessage } from 'node:http';
import { RouterError } from '../errors/router-error.js';
import { routerConfigSchema } from '../config/config.schema.js';
import { serverSettings } from '../config/router.config.js';
import { type HostStrategyOptions, HostRouteStrategy } from './host.strategy.js';
import { TrustedProxies } from './trusted-proxies.js';

const TRUSTED_PEER = '10.0.0.1';
const trusted = new TrustedProxies(
  serverSettings(
    routerConfigSchema.parse({
      auth: { allowUnauthenticated: true },
      trustedProxyCidrs: [TRUSTED_PEER],
    }),
  ),
);

const strategyWith = (options: Partial<HostStrategyOptions> = {}) =>
  new HostRouteStrategy({
    domains: ['sandbox.test', '*.Example.com.'],
    format: 'name-port',
    requestedHost: (req) => trusted.requestedHost(req),
    ...options,
  });

const requestTo = (headers: Record<string, string>, peer = '192.0.2.7') =>
  ({ headers, socket: { remoteAddress: peer } }) as unknown as IncomingMessage;

const failure = (strategy: HostRouteStrategy, req: IncomingMessage): RouterError => {
  try {
    strategy.extract(req);
  } catch (error) {
    return error as RouterError;
  }
  throw new Error('expected a RouterError');
};

describe('HostRouteStrategy', () => {
  const strategy = strategyWith();

  it('reads alpha-beta-8080.sandbox.test as sandbox alpha-beta, port 8080', () => {
    expect(strategy.extract(requestTo({ host: 'alpha-beta-8080.sandbox.test' }))).toEqual({
      kind: 'host',
      sandboxId: 'alpha-beta',
      port: 8080,
    });
  });

  it('ignores the Host port, letter case and a trailing dot', () => {
    expect(strategy.extract(requestTo({ host: 'Sandbox-1234.EXAMPLE.com.:8443' }))).toEqual({
      kind: 'host',
      sandboxId: 'sandbox',
      port: 1234,
    });
  });

  it('keeps the signed form’s expiry and signature on the key', () => {
    expect(strategy.extract(requestTo({ host: 'sb-9090-1a2b3c-01234567a.sandbox.test' }))).toEqual({
      kind: 'host',
      sandboxId: 'sb',
      port: 9090,
      expiresB36: '1a2b3c',
      signature: '01234567a',
    });
  });

  it.each([
    ['sandbox.test', 'the base domain itself'],
    ['sb-8080.other.test', 'a host under no configured domain'],
    ['sb-8080.notsandbox.test', 'a host that only ends with the domain’s letters'],
    ['127.0.0.1:8080', 'an IPv4 address'],
    ['[::1]:8080', 'an IPv6 literal'],
    ['invalidhost', 'a single-label host'],
  ])('names no sandbox for Host %j (%s)', (host) => {
    expect(strategy.extract(requestTo({ host }))).toBeUndefined();
  });

  it('names no sandbox without a Host header', () => {
    expect(strategy.extract(requestTo({}))).toBeUndefined();
  });

  it('names no sandbox when no domains are configured', () => {
    const off = strategyWith({ domains: [] });
    expect(off.extract(requestTo({ host: 'sb-8080.sandbox.test' }))).toBeUndefined();
  });

  it.each([
    'invalidhost.sandbox.test',
    '-1234.sandbox.test',
    'sb-08080.sandbox.test',
    'sb-99999.sandbox.test',
  ])('answers 400 ROUTE_INVALID for the malformed label of %s', (host) => {
    const error = failure(strategy, requestTo({ host }));
    expect(error).toBeInstanceOf(RouterError);
    expect(error.code).toBe('ROUTE_INVALID');
    expect(error.detail).toBe('Invalid host label.');
  });

  it('believes X-Forwarded-Host from a trusted proxy, first entry first', () => {
    const req = requestTo(
      { host: 'router.internal', 'x-forwarded-host': 'sb-8080.sandbox.test, edge.internal' },
      TRUSTED_PEER,
    );
    expect(strategy.extract(req)).toMatchObject({ sandboxId: 'sb', port: 8080 });
  });

  it('ignores X-Forwarded-Host from an untrusted peer and reads Host', () => {
    const req = requestTo({ host: 'router.internal', 'x-forwarded-host': 'sb-8080.sandbox.test' });
    expect(strategy.extract(req)).toBeUndefined();
  });

  it('reads the E2B port-first format when configured', () => {
    const e2b = strategyWith({ format: 'port-name' });
    expect(e2b.extract(requestTo({ host: '8080-my-sandbox.sandbox.test' }))).toEqual({
      kind: 'host',
      sandboxId: 'my-sandbox',
      port: 8080,
    });
  });

  it('reads the namespace of <sandbox-id>--<namespace>-<port> when configured', () => {
    const namespaced = strategyWith({ format: 'name-namespace-port' });
    expect(namespaced.extract(requestTo({ host: 'my-sandbox--team-a-8080.sandbox.test' }))).toEqual(
      {
        kind: 'host',
        sandboxId: 'my-sandbox',
        namespace: 'team-a',
        port: 8080,
      },
    );
    expect(failure(namespaced, requestTo({ host: 'my-sandbox-8080.sandbox.test' })).code).toBe(
      'ROUTE_INVALID',
    );
  });

  it('consumes no header: Host and X-Forwarded-Host are handled by the proxy', () => {
    expect(strategy.headers).toEqual([]);
  });
});
