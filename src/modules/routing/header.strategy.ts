import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { RouterError } from '../errors/router-error.js';
import { vetPodIp } from './pod-ip.js';
import type { RouteKey, RouteStrategy } from './route-key.js';

export const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const MAX_LABEL = 63;
const PREFIX = 'x-sandbox-';

export interface HeaderStrategyOptions {
  defaultNamespace: string;
  defaultPort: number;
  allowPodIp: boolean;
}

// Not a routing header: keep-alive's activity opt-out, sent with any routing form.
const SKIP_ACTIVITY = 'x-sandbox-skip-activity';
const isRoutingHeader = (name: string) => name.startsWith(PREFIX) && name !== SKIP_ACTIVITY;

const invalid = (detail: string) => new RouterError('ROUTE_INVALID', detail);

/** The agent-sandbox dialect: `X-Sandbox-ID`, `-Namespace`, `-Port`, `-Pod-IP`, `-Timeout`. */
export class HeaderRouteStrategy implements RouteStrategy {
  readonly kind = 'header';
  readonly headers = ['id', 'namespace', 'port', 'pod-ip', 'timeout'].map((n) => PREFIX + n);
  private readonly logger = new Logger(HeaderRouteStrategy.name);

  constructor(private readonly options: HeaderStrategyOptions) {}

  extract(req: IncomingMessage): RouteKey | undefined {
    const { headers } = req;
    const id = headers['x-sandbox-id'];
    if (!id) {
      if (!Object.keys(headers).some(isRoutingHeader)) return undefined;
      throw new RouterError('ROUTE_MISSING', 'X-Sandbox-ID header is required.');
    }
    if (!isLabel(id)) throw invalid('Invalid sandbox ID format.');
    const namespace = headers['x-sandbox-namespace'] ?? this.options.defaultNamespace;
    if (!isLabel(namespace)) throw invalid('Invalid namespace format.');
    return {
      kind: 'header',
      sandboxId: id,
      namespace,
      port: parsePort(headers['x-sandbox-port'], this.options.defaultPort),
      podIp: this.podIp(headers['x-sandbox-pod-ip']),
      timeoutSeconds: this.timeout(headers['x-sandbox-timeout']),
    };
  }

  private podIp(raw: string | string[] | undefined): string | undefined {
    if (raw === undefined || !this.options.allowPodIp) return undefined;
    const verdict = vetPodIp(String(raw));
    if (verdict.ok) return verdict.address;
    throw invalid(
      verdict.reason === 'format'
        ? 'Invalid target IP address format.'
        : 'Invalid target IP address.',
    );
  }

  /** Like the agent-sandbox router: a bad value is ignored with a warning, never a 400. */
  private timeout(raw: string | string[] | undefined): number | undefined {
    if (raw === undefined) return undefined;
    const seconds = Number(raw);
    if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(seconds) && seconds > 0) {
      return seconds;
    }
    this.logger.warn(`ignoring invalid X-Sandbox-Timeout ${JSON.stringify(raw)}`);
    return undefined;
  }
}

function isLabel(value: string | string[]): value is string {
  return typeof value === 'string' && value.length <= MAX_LABEL && DNS_LABEL.test(value);
}

function parsePort(raw: string | string[] | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const port = typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : 0;
  if (port < 1 || port > 65535) throw invalid('Invalid port format.');
  return port;
}
