import type { IncomingMessage } from 'node:http';
import { RouterError } from '../errors/router-error.js';
import { firstLabel, parseHostLabel } from './host-label.js';
import type { RouteKey, RouteStrategy } from './route-key.js';

/** The current header first, then the deprecated one, as the OpenSandbox ingress reads them. */
const HEADERS = [
  { name: 'opensandbox-ingress-to', display: 'OpenSandbox-Ingress-To' },
  { name: 'open-sandbox-ingress', display: 'OPEN-SANDBOX-INGRESS' },
] as const;

/**
 * The OpenSandbox dialect: `OpenSandbox-Ingress-To: <sandbox-id>-<port>` (or the signed
 * form), parsed like a host label. OpenSandbox clients also send a whole host there
 * (`https://my-sandbox-8080.sandbox.example.com`): its first label is the route.
 */
export class OpenSandboxHeaderRouteStrategy implements RouteStrategy {
  readonly kind = 'header';
  readonly headers = HEADERS.map((header) => header.name);

  extract(req: IncomingMessage): RouteKey | undefined {
    for (const { name, display } of HEADERS) {
      const value = req.headers[name];
      // An empty value counts as absent, like Go's Header.Get in the ingress.
      if (typeof value !== 'string' || value === '') continue;
      const parsed = parseHostLabel(firstLabel(value));
      if (!parsed) throw new RouterError('ROUTE_INVALID', `Invalid ${display} header.`);
      return { kind: 'header', ...parsed };
    }
    return undefined;
  }
}
