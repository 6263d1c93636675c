import { createHmac } from 'node:crypto';
import { sameString } from './constant-time.js';

/** What an agent-sandbox scoped token grants: one sandbox, until `exp` (Unix seconds). */
export interface ScopedClaims {
  readonly ns: string;
  readonly name: string;
  readonly exp: number;
}

/** The HMAC input's prefix, as the agent-sandbox router signs it. */
const CONTEXT = 'agent-sandbox/scoped-token/v1.';
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Verified tokens kept; a client re-sends the same token on every request. */
const CACHE_ENTRIES = 1024;

/**
 * Checks `v1.<payload>.<sig>` (SPEC §9): `sig` = base64url HMAC-SHA256(secret, CONTEXT + payload),
 * `payload` = base64url JSON `{"ns","name","exp"}`. Expiry is the caller's business (it changes
 * with the clock; the signature does not). A verified token's claims are cached by the token
 * string, so the HMAC and the JSON are computed once per distinct token, not per request.
 */
export class ScopedTokenVerifier {
  private readonly verified = new Map<string, ScopedClaims>();

  constructor(private readonly secret: string) {}

  /** The token's claims, or why it is refused (for the log; never for the client). */
  verify(token: string): ScopedClaims | string {
    const cached = this.verified.get(token);
    if (cached) return cached;
    const claims = this.check(token);
    if (typeof claims === 'string') return claims;
    // Oldest first out: a Map iterates in insertion order.
    if (this.verified.size >= CACHE_ENTRIES) {
      this.verified.delete(this.verified.keys().next().value as string);
    }
    this.verified.set(token, claims);
    return claims;
  }

  private check(token: string): ScopedClaims | string {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== 'v1') return 'not a v1.<payload>.<sig> token';
    const [, payload, signature] = parts;
    if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return 'not base64url';
    const expected = createHmac('sha256', this.secret)
      .update(CONTEXT + payload)
      .digest('base64url');
    if (!sameString(signature, expected)) return 'bad signature';
    return claimsOf(payload) ?? 'bad payload';
  }
}

function claimsOf(payload: string): ScopedClaims | undefined {
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { ns, name, exp } = (claims ?? {}) as Record<string, unknown>;
  if (typeof ns !== 'string' || typeof name !== 'string' || !ns || !name) return undefined;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  return { ns, name, exp };
}
