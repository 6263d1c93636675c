import { BlockList, isIP } from 'node:net';

// Addresses a client may never aim the router at: its own loopback, the cloud metadata
// endpoint (link-local), multicast and the unspecified address.
const refused = new BlockList();
refused.addSubnet('127.0.0.0', 8, 'ipv4');
refused.addSubnet('169.254.0.0', 16, 'ipv4');
refused.addSubnet('224.0.0.0', 4, 'ipv4');
refused.addAddress('0.0.0.0', 'ipv4');
refused.addAddress('::1', 'ipv6');
refused.addAddress('::', 'ipv6');
refused.addSubnet('fe80::', 10, 'ipv6');
refused.addSubnet('ff00::', 8, 'ipv6');

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export type PodIpVerdict =
  { ok: true; address: string } | { ok: false; reason: 'format' | 'refused' };

/** Vets a client-supplied pod address; IPv4-mapped IPv6 is judged as the IPv4 it carries. */
export function vetPodIp(raw: string): PodIpVerdict {
  const value = raw.trim();
  const family = isIP(value);
  if (family === 0) return { ok: false, reason: 'format' };
  const mapped = family === 6 ? IPV4_MAPPED.exec(value)?.[1] : undefined;
  const address = mapped ?? value;
  const type = mapped || family === 4 ? 'ipv4' : 'ipv6';
  return refused.check(address, type) ? { ok: false, reason: 'refused' } : { ok: true, address };
}
