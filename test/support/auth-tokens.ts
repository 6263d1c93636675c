import { createHash, createHmac } from 'node:crypto';

/** The `auth.scopedTokenSecret` the e2e specs configure. */
export const SCOPED_TOKEN_SECRET = 'scoped-token-secret-0123456789abcdef';

/** An agent-sandbox scoped token, computed here from the SPEC §9 formula. */
export function scopedToken(
  claims: { ns?: string; name?: string; exp?: number },
  secret = SCOPED_TOKEN_SECRET,
): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = createHmac('sha256', secret)
    .update(`agent-sandbox/scoped-token/v1.${payload}`)
    .digest('base64url');
  return `v1.${payload}.${sig}`;
}

export interface SignedRoute {
  id: string;
  port: number;
  expiresSeconds: number;
  /** The one-character id the router knows `key` by (`auth.secureAccessKeys`). */
  keyId: string;
  key: Buffer;
}

/** A signed route label (OSEP-0011 short form), computed here from the SPEC §9 formula. */
export function signedLabel(route: SignedRoute): string {
  const expiresB36 = route.expiresSeconds.toString(36);
  const canonical = Buffer.from(`v1\nshort\n${route.id}\n${route.port}\n${expiresB36}\n`);
  const be32 = (n: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(n);
    return bytes;
  };
  const hex = createHash('sha256')
    .update(Buffer.concat([be32(route.key.length), route.key, be32(canonical.length), canonical]))
    .digest('hex')
    .slice(0, 8);
  return `${route.id}-${route.port}-${expiresB36}-${hex}${route.keyId}`;
}

/** Every URL and header value an upstream saw, flattened: no credential may be among them. */
export const seenByUpstream = (upstream: { requests: { url?: string; rawHeaders: string[] }[] }) =>
  upstream.requests.map((req) => [req.url, ...req.rawHeaders].join('\n')).join('\n');
