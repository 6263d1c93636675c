import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../clock/clock.js';
import { authConfig, type AuthConfig } from '../config/router.config.js';
import type { RouteKey } from '../routing/route-key.js';
import { TrustedProxies } from '../routing/trusted-proxies.js';
import { forbidden } from './auth-errors.js';
import {
  cookieValue,
  queryValue,
  SessionCredential,
  withoutQueryParam,
} from './session.credential.js';
import { SessionRedirect } from './session-redirect.js';

type CookieConfig = AuthConfig['cookie'];

/**
 * Browser sessions (`auth.cookie`, SPEC §9, agent-sandbox's cookie flow): a navigation that
 * brings its credential in the query is answered 302 with a cookie carrying it, host-only (no
 * `Domain`) so only that sandbox's host gets it, or under the sandbox's path prefix with path
 * routing. Later requests and upgrades authenticate with the cookie instead of a header; an
 * upgrade that does so from a browser must come from an allowed Origin.
 */
@Injectable()
export class BrowserSessions {
  private readonly logger = new Logger(BrowserSessions.name);
  /** The session cookie's name; undefined when browser sessions are off. */
  readonly cookieName?: string;
  /** The query parameter a credential is brought in; undefined when browser sessions are off. */
  readonly queryParam?: string;
  private readonly config: CookieConfig;
  private readonly allowedOrigins: ReadonlySet<string>;

  constructor(
    @Inject(authConfig.KEY) { cookie }: AuthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly trustedProxies: TrustedProxies,
  ) {
    this.config = cookie;
    if (cookie.enabled) {
      this.cookieName = cookie.name;
      this.queryParam = cookie.queryParam;
    }
    this.allowedOrigins = new Set(cookie.allowedOrigins);
  }

  /** The request's session credential: a navigation's query parameter, else the cookie. */
  sessionOf(req: IncomingMessage): SessionCredential | undefined {
    if (this.cookieName === undefined) return undefined;
    if (isNavigation(req)) {
      const fromQuery = queryValue(req.url ?? '/', this.config.queryParam);
      if (fromQuery !== undefined) return new SessionCredential(fromQuery, true);
    }
    const cookie = req.headers.cookie;
    const value = cookie === undefined ? undefined : cookieValue(cookie, this.cookieName);
    return value === undefined ? undefined : new SessionCredential(value, false);
  }

  /**
   * After every check passed. Throws SessionRedirect for a navigation that brought its
   * credential in the query, FORBIDDEN for a cookie-authenticated upgrade from a foreign Origin.
   */
  settle(req: IncomingMessage, key: RouteKey, session: SessionCredential): void {
    if (session.fromQuery) throw this.exchange(req, key, session);
    const origin = req.headers.origin;
    if (session.used && req.headers.upgrade !== undefined && origin !== undefined) {
      if (this.allowedOrigins.has(origin) || this.isSandboxPage(req, key, origin)) return;
      this.logger.debug(`403: a cookie-authenticated upgrade from origin ${origin}`);
      throw forbidden();
    }
  }

  private exchange(req: IncomingMessage, key: RouteKey, session: SessionCredential) {
    const location = localTarget(withoutQueryParam(req.url ?? '/', this.config.queryParam));
    if (!session.used) return new SessionRedirect(location);
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    const expires = session.expiresAtSeconds;
    const maxAge = Math.min(
      this.config.maxAgeSeconds,
      expires === undefined ? Infinity : expires - nowSeconds,
    );
    const attributes = [
      `${this.config.name}=${encodeURIComponent(session.value)}`,
      'HttpOnly',
      ...(this.config.insecure ? [] : ['Secure']),
      'SameSite=Lax',
      `Path=${key.publicPrefix ?? '/'}`,
      `Max-Age=${maxAge}`,
    ];
    return new SessionRedirect(location, attributes.join('; '));
  }

  /**
   * A page of the sandbox itself: with host routing, its origin names the host the upgrade went
   * to (a browser cannot forge either). Not with path routing: there every sandbox shares a host.
   */
  private isSandboxPage(req: IncomingMessage, key: RouteKey, origin: string): boolean {
    if (key.kind !== 'host') return false;
    const authority = origin.replace(/^https?:\/\//i, '').toLowerCase();
    return authority === this.trustedProxies.requestedHost(req)?.toLowerCase();
  }
}

/** A browser navigation: GET or HEAD, not a protocol upgrade. */
const isNavigation = (req: IncomingMessage) =>
  (req.method === 'GET' || req.method === 'HEAD') && req.headers.upgrade === undefined;

/**
 * A path and query to redirect to on this host. An absolute-form target keeps only its path;
 * leading slashes collapse to one, or `//evil.example/` would send the browser elsewhere.
 */
function localTarget(url: string): string {
  let local = url;
  if (!url.startsWith('/')) {
    try {
      const parsed = new URL(url);
      local = parsed.pathname + parsed.search;
    } catch {
      local = '/';
    }
  }
  return local.replace(/^\/+/, '/');
}
