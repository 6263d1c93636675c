import type { UpstreamLookup } from '../../src/modules/proxy/upstream.lookup.js';

/**
 * Resolves names and addresses the test chose to 127.0.0.1 and records every lookup; anything
 * else fails like an unknown DNS name.
 */
export class MappedLookup implements UpstreamLookup {
  readonly seen: string[] = [];

  constructor(private readonly known: (host: string) => boolean = () => true) {}

  async lookup(host: string): Promise<string> {
    this.seen.push(host);
    if (this.known(host)) return '127.0.0.1';
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  }
}
