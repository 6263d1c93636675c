import { vetPodIp } from './pod-ip.js';

describe('vetPodIp', () => {
  it.each(['10.20.30.40', '192.168.1.7', '100.64.0.1', '2001:db8::1', 'fd00::1234'])(
    'accepts the routable address %s',
    (address) => {
      expect(vetPodIp(address)).toEqual({ ok: true, address });
    },
  );

  it('trims surrounding whitespace', () => {
    expect(vetPodIp(' 10.0.0.1 ')).toEqual({ ok: true, address: '10.0.0.1' });
  });

  it('judges an IPv4-mapped IPv6 address as the IPv4 it carries', () => {
    expect(vetPodIp('::ffff:10.0.0.1')).toEqual({ ok: true, address: '10.0.0.1' });
    expect(vetPodIp('::ffff:127.0.0.1')).toEqual({ ok: false, reason: 'refused' });
    expect(vetPodIp('::FFFF:169.254.169.254')).toEqual({ ok: false, reason: 'refused' });
  });

  it.each(['not-a-ip', '999.999.999.999', '10.20.30', '', '10.0.0.1/8', '[::1]', 'example'])(
    'calls %j malformed',
    (raw) => {
      expect(vetPodIp(raw)).toEqual({ ok: false, reason: 'format' });
    },
  );

  it.each([
    ['loopback', '127.0.0.1'],
    ['loopback', '127.5.6.7'],
    ['loopback', '::1'],
    ['link-local (metadata endpoint)', '169.254.169.254'],
    ['link-local', 'fe80::1'],
    ['multicast', '224.0.0.1'],
    ['multicast', '239.255.255.250'],
    ['multicast', 'ff02::1'],
    ['unspecified', '0.0.0.0'],
    ['unspecified', '::'],
  ])('refuses the %s address %s', (_class, raw) => {
    expect(vetPodIp(raw)).toEqual({ ok: false, reason: 'refused' });
  });
});
