import type { IncomingMessage } from 'node:http';
import type { ServerConfig } from '../config/router.config.js';
import { TrustedProxies } from './trusted-proxies.js';

const proxies = (trustedProxyCidrs: string[]) =>
  new TrustedProxies({
    port: 8080,
    adminPort: 0,
    logLevel: 'off',
    accessLog: false,
    trustedProxyCidrs,
    headersTimeoutSeconds: 30,
    maxHeaderBytes: 16384,
    keepAliveTimeoutSeconds: 75,
  } satisfies ServerConfig);

const requestFrom = (remoteAddress: string, xff?: string) =>
  ({
    socket: { remoteAddress },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  }) as unknown as IncomingMessage;

describe('TrustedProxies', () => {
  describe('isTrusted', () => {
    const trusted = proxies(['10.0.0.0/8', '192.0.2.1', 'fd00::/8']);

    it.each(['10.1.2.3', '192.0.2.1', '::ffff:10.9.9.9', 'fd00::5'])('trusts %s', (address) => {
      expect(trusted.isTrusted(address)).toBe(true);
    });

    it.each(['11.0.0.1', '192.0.2.2', '2001:db8::1', '', undefined])('does not trust %j', (a) => {
      expect(trusted.isTrusted(a)).toBe(false);
    });

    it('trusts nobody when no CIDR is configured', () => {
      expect(proxies([]).isTrusted('10.0.0.1')).toBe(false);
    });
  });

  describe('peerOf', () => {
    it('unmaps an IPv4-mapped IPv6 peer', () => {
      expect(proxies([]).peerOf(requestFrom('::ffff:127.0.0.1'))).toBe('127.0.0.1');
      expect(proxies([]).peerOf(requestFrom('::1'))).toBe('::1');
    });
  });

  describe('clientOf', () => {
    const trusted = proxies(['10.0.0.0/8']);

    it('is the peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', () => {
      expect(trusted.clientOf(requestFrom('198.51.100.7', '203.0.113.9'))).toBe('198.51.100.7');
    });

    it('is the rightmost untrusted hop behind trusted proxies', () => {
      const req = requestFrom('10.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.2');
      expect(trusted.clientOf(req)).toBe('203.0.113.9');
    });

    it('ignores a spoofed left end of X-Forwarded-For', () => {
      const req = requestFrom('::ffff:10.0.0.1', '6.6.6.6, 198.51.100.7');
      expect(trusted.clientOf(req)).toBe('198.51.100.7');
    });

    it('unmaps an IPv4-mapped hop', () => {
      expect(trusted.clientOf(requestFrom('10.0.0.1', '::ffff:198.51.100.7'))).toBe('198.51.100.7');
    });

    it('is the peer when every hop is trusted or there are none', () => {
      expect(trusted.clientOf(requestFrom('10.0.0.1', '10.0.0.3, 10.0.0.2'))).toBe('10.0.0.1');
      expect(trusted.clientOf(requestFrom('10.0.0.1'))).toBe('10.0.0.1');
      expect(trusted.clientOf(requestFrom('10.0.0.1', ' , '))).toBe('10.0.0.1');
    });
  });

  describe('requestedHost', () => {
    const trusted = proxies(['10.0.0.0/8']);
    const requestFor = (peer: string, headers: Record<string, string>) =>
      ({ socket: { remoteAddress: peer }, headers }) as unknown as IncomingMessage;
    const headers = { host: 'Router:8080', 'x-forwarded-host': 'Sb-80.Example.com:443, inner' };

    it('believes the first X-Forwarded-Host entry of a trusted proxy, as sent', () => {
      expect(trusted.requestedHost(requestFor('10.0.0.1', headers))).toBe('Sb-80.Example.com:443');
    });

    it('ignores X-Forwarded-Host from anyone else and answers the Host header', () => {
      expect(trusted.requestedHost(requestFor('192.0.2.7', headers))).toBe('Router:8080');
    });
  });
});
