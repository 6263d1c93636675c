import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export const UPSTREAM_LOOKUP = Symbol('UPSTREAM_LOOKUP');

/**
 * Turns an upstream host into the address a socket connects to. The one seam that decides
 * where upstream connections go: tests map cluster names and pod addresses to 127.0.0.1.
 */
export interface UpstreamLookup {
  lookup(host: string): Promise<string>;
}

/** The system resolver (getaddrinfo, honouring /etc/hosts and the pod's resolv.conf). */
export class SystemLookup implements UpstreamLookup {
  async lookup(host: string): Promise<string> {
    if (isIP(host)) return host;
    return (await lookup(host)).address;
  }
}
