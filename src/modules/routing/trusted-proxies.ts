import type { IncomingMessage } from 'node:http';
import { BlockList, isIPv6 } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { serverConfig, type ServerConfig } from '../config/router.config.js';

const IPV4_MAPPED_PREFIX = '::ffff:';

/** `TRUSTED_PROXY_CIDRS`: whose `X-Forwarded-*` headers the router believes. */
@Injectable()
export class TrustedProxies {
  private readonly list?: BlockList;

  constructor(@Inject(serverConfig.KEY) { trustedProxyCidrs }: ServerConfig) {
    if (trustedProxyCidrs.length === 0) return;
    this.list = new BlockList();
    for (const entry of trustedProxyCidrs) {
      const [address, prefix] = entry.split('/');
      const type = isIPv6(address) ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
  }

  isTrusted(address: string | undefined): boolean {
    if (!this.list || !address) return false;
    const plain = unmapIpv4(address);
    return this.list.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
  }

  /** The peer address, as the upstream should see it in `X-Forwarded-For`. */
  peerOf(req: IncomingMessage): string {
    return unmapIpv4(req.socket.remoteAddress ?? '');
  }

  /**
   * The authority the client asked for, as sent (port and case kept): the first entry of
   * `X-Forwarded-Host` from a trusted proxy (a chain lists hosts left to right), else `Host`.
   */
  requestedHost(req: IncomingMessage): string | undefined {
    const forwarded = req.headers['x-forwarded-host'];
    if (typeof forwarded === 'string' && forwarded && this.isTrusted(this.peerOf(req))) {
      return forwarded.split(',')[0].trim();
    }
    return req.headers.host;
  }

  /**
   * The client for per-client limits: the peer, or behind trusted proxies the first
   * untrusted hop of `X-Forwarded-For` walked from the right (a spoofed left end is ignored).
   */
  clientOf(req: IncomingMessage): string {
    const peer = this.peerOf(req);
    if (!this.isTrusted(peer)) return peer;
    const hops = String(req.headers['x-forwarded-for'] ?? '').split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i].trim();
      if (hop && !this.isTrusted(hop)) return unmapIpv4(hop);
    }
    return peer;
  }
}

function unmapIpv4(address: string): string {
  return address.startsWith(IPV4_MAPPED_PREFIX) && address.includes('.')
    ? address.slice(IPV4_MAPPED_PREFIX.length)
    : address;
}
