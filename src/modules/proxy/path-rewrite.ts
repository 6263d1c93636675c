import type { IncomingHttpHeaders } from 'node:http';
import type { Target } from '../resolution/sandbox.resolver.js';
import type { RouteKey } from '../routing/route-key.js';

/**
 * Path routing mounts a sandbox's `/` at `<prefix>/<sandbox-id>/<port>`. A sandbox knows
 * nothing of that, so its redirects and cookie paths are put back under the mount on the way
 * out, as nginx's `proxy_redirect` and `proxy_cookie_path` do.
 */
export interface PathRewrite {
  /** `<prefix>/<sandbox-id>/<port>`, as the client sent it. */
  readonly publicPrefix: string;
  /** Lower-case authorities that mean "this sandbox" in an absolute `Location`. */
  readonly authorities: ReadonlySet<string>;
}

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };
/** `scheme://authority rest` or the scheme-relative `//authority rest`. */
const ABSOLUTE = /^(?:([a-z][a-z0-9+.-]*):)?\/\/([^/?#]*)(.*)$/is;

/**
 * The rewrite for a path-routed exchange, else undefined. Besides the upstream's own
 * authority, the public one counts: a sandbox that builds its redirects from `Host` or
 * `X-Forwarded-Host` means its own root too.
 */
export function pathRewriteFor(
  key: RouteKey,
  target: Target,
  requestHeaders: IncomingHttpHeaders,
): PathRewrite | undefined {
  if (key.publicPrefix === undefined) return undefined;
  const authorities = new Set([target.url.host.toLowerCase()]);
  for (const host of [requestHeaders.host, requestHeaders['x-forwarded-host']]) {
    if (typeof host === 'string' && host) authorities.add(host.split(',')[0].trim().toLowerCase());
  }
  return { publicPrefix: key.publicPrefix, authorities };
}

/** Rewrites `Location` and every `Set-Cookie` path of an upstream response, in place. */
export function rewriteResponsePaths(headers: IncomingHttpHeaders, rewrite: PathRewrite): void {
  if (headers.location) headers.location = rewriteLocation(headers.location, rewrite);
  const cookies = headers['set-cookie'];
  if (cookies) {
    headers['set-cookie'] = cookies.map((cookie) =>
      rewriteCookiePath(cookie, rewrite.publicPrefix),
    );
  }
}

/**
 * `/x` -> `<mount>/x`; `http://<sandbox>/x?q` -> `<mount>/x?q` (an absolute path, so the
 * browser stays on the router's origin). Relative references already resolve under the mount,
 * and other origins are none of ours: both are left alone.
 */
export function rewriteLocation(
  location: string,
  { publicPrefix, authorities }: PathRewrite,
): string {
  if (location.startsWith('/') && !location.startsWith('//')) return publicPrefix + location;
  const absolute = ABSOLUTE.exec(location);
  if (!absolute) return location;
  const [, scheme = '', authority, rest] = absolute;
  if (scheme !== '' && !Object.hasOwn(DEFAULT_PORT, scheme.toLowerCase())) return location;
  const lower = authority.toLowerCase();
  if (!authorities.has(lower) && !authorities.has(withoutDefaultPort(lower, scheme))) {
    return location;
  }
  return publicPrefix + (rest.startsWith('/') ? rest : `/${rest}`);
}

/**
 * `Path=/x` -> `Path=<mount>/x`, and `Path=/` -> `Path=<mount>` (which matches the mount
 * itself and everything below it). A cookie without a valid Path keeps the browser's default,
 * which is already under the mount.
 */
export function rewriteCookiePath(cookie: string, publicPrefix: string): string {
  const parts = cookie.split(';');
  for (let i = 1; i < parts.length; i++) {
    const match = /^(\s*path\s*=\s*)(\/.*?)(\s*)$/i.exec(parts[i]);
    if (!match) continue;
    const [, name, path, trailing] = match;
    parts[i] = name + (path === '/' ? publicPrefix : publicPrefix + path) + trailing;
  }
  return parts.join(';');
}

/** `sb.example:80` is `sb.example` for http, as `URL.host` writes it. */
function withoutDefaultPort(value: string, scheme: string): string {
  const port = DEFAULT_PORT[scheme.toLowerCase()];
  return port && value.endsWith(`:${port}`) ? value.slice(0, -port.length - 1) : value;
}
