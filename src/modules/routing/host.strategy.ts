import type { IncomingMessage } from 'node:http';
import { RouterError } from '../errors/router-error.js';
import { type HostLabelFormat, parseHostLabel } from './host-label.js';
import type { RouteKey, RouteStrategy } from './route-key.js';

export interface HostStrategyOptions {
  /** Base domains whose subdomains name sandboxes (`routing.host.domains`). */
  domains: readonly string[];
  format: HostLabelFormat;
  /** The authority the client asked for (TrustedProxies.requestedHost). */
  requestedHost: (req: IncomingMessage) => string | undefined;
}

/**
 * Wildcard-domain routing: `<label>.<domain>` where `<domain>` is one of the configured base
 * domains and `<label>` is parsed per `routing.host.format`. Hosts outside those domains (the
 * router's own name, an IP address) name no sandbox, so they reach the router's endpoints.
 */
export class HostRouteStrategy implements RouteStrategy {
  readonly kind = 'host';
  readonly headers: readonly string[] = [];
  /** `.example.com` for `example.com`: a host must end with it to be under the domain. */
  private readonly suffixes: readonly string[];

  constructor(private readonly options: HostStrategyOptions) {
    this.suffixes = options.domains.map((domain) => `.${normalizeDomain(domain)}`);
  }

  extract(req: IncomingMessage): RouteKey | undefined {
    if (this.suffixes.length === 0) return undefined;
    const host = this.hostOf(req);
    if (!host || !this.suffixes.some((suffix) => host.endsWith(suffix))) return undefined;
    // Under a configured domain (and not the domain itself, which cannot end with `.domain`).
    const label = host.slice(0, host.indexOf('.'));
    const parsed = parseHostLabel(label, this.options.format);
    if (!parsed) throw new RouterError('ROUTE_INVALID', 'Invalid host label.');
    return { kind: 'host', ...parsed };
  }

  /** The host name the client asked for: lower-case, without port or trailing dot. */
  private hostOf(req: IncomingMessage): string | undefined {
    const raw = this.options.requestedHost(req);
    if (!raw) return undefined;
    const value = raw.trim().toLowerCase();
    // An IPv6 literal (`[::1]:8080`) is never under a domain.
    if (value.startsWith('[')) return undefined;
    const colon = value.indexOf(':');
    return (colon < 0 ? value : value.slice(0, colon)).replace(/\.$/, '');
  }
}

/** `Example.COM.`, `.example.com` and `*.example.com` all mean `example.com`. */
function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^\*?\./, '')
    .replace(/\.$/, '');
}
