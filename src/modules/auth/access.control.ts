import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { Target } from '../resolution/sandbox.resolver.js';
import type { RouteKey } from '../routing/route-key.js';
import { BrowserSessions } from './browser-sessions.js';
import { ROUTER_CREDENTIALS, type RouterCredentials } from './router-credentials.js';
import { SECURE_ACCESS_HEADER, SecureAccessGuard } from './secure-access.guard.js';
import { type SessionCredential, withoutQueryParam } from './session.credential.js';

/**
 * Who may reach what (SPEC §9), as RequestRouter asks it: before resolution what the credential
 * alone decides (the router credential, 401; its scope, 403), after it what needs the target
 * (per-sandbox secure access, 401/503; the browser session's exchange and Origin rule). With
 * router auth off or bearer and no cookie sessions this adds nothing per request beyond
 * undefined checks.
 */
@Injectable()
export class AccessControl {
  /** Request headers the router consumes for access control: never forwarded. */
  readonly consumedHeaders: readonly string[];

  constructor(
    @Inject(ROUTER_CREDENTIALS) private readonly credentials: RouterCredentials,
    private readonly secureAccess: SecureAccessGuard,
    private readonly sessions: BrowserSessions,
  ) {
    this.consumedHeaders = credentials.consumesAuthorization
      ? ['authorization', SECURE_ACCESS_HEADER]
      : [SECURE_ACCESS_HEADER];
  }

  /** The session cookie, removed from what is forwarded; undefined when sessions are off. */
  get sessionCookie(): string | undefined {
    return this.sessions.cookieName;
  }

  /**
   * The raw request target as the sandbox gets it: with browser sessions on, the credential's
   * query parameter is the router's and never forwarded (a navigation bringing it was answered
   * with a redirect; any other request just loses it). Everything else byte for byte.
   */
  upstreamTarget(target: string): string {
    const param = this.sessions.queryParam;
    return param === undefined ? target : withoutQueryParam(target, param);
  }

  /** The browser-session credential the request carries, if sessions are on. */
  sessionOf(req: IncomingMessage): SessionCredential | undefined {
    return this.sessions.sessionOf(req);
  }

  /**
   * The router credential alone: throws UNAUTHORIZED before the route is even looked at, so a
   * bad credential learns nothing about routes. Returns what it grants, for `scope`.
   */
  authenticate(req: IncomingMessage, session: SessionCredential | undefined): unknown {
    return this.credentials.authenticate(req, session);
  }

  /** The key to resolve, as the credential allows it; throws FORBIDDEN. */
  scope(req: IncomingMessage, key: RouteKey, grant: unknown): RouteKey {
    return this.credentials.scope(req, key, grant) ?? key;
  }

  /** A request for the worker pool: a router credential, not a browser session (no sandbox). */
  admitToPool(req: IncomingMessage): void {
    this.credentials.scope(req, undefined, this.credentials.authenticate(req));
  }

  /**
   * Per-sandbox access to a sandbox with this secure-access token (none: open): throws
   * UNAUTHORIZED or a 503. Also asked before a wake, while the sandbox has no target yet.
   */
  admit(
    req: IncomingMessage,
    key: RouteKey,
    accessToken: string | undefined,
    session: SessionCredential | undefined,
  ): void {
    if (accessToken !== undefined) this.secureAccess.check(req, key, accessToken, session);
  }

  /** After resolution: throws UNAUTHORIZED, FORBIDDEN, a 503, or a SessionRedirect to answer. */
  authorize(
    req: IncomingMessage,
    key: RouteKey,
    target: Target,
    session: SessionCredential | undefined,
  ): void {
    this.admit(req, key, target.accessToken, session);
    if (session) this.sessions.settle(req, key, session);
  }
}
