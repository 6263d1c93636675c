import { createHash } from 'node:crypto';

/** What a signed route (OSEP-0011 short form) signs: sandbox, port and expiry. */
export interface SignedRoute {
  readonly sandboxId: string;
  readonly port: number;
  /** Lower-case base36 Unix seconds, as the label carries it. */
  readonly expiresB36: string;
}

/**
 * The 8 hex digits of a signed route (SPEC §9): the first 4 bytes of
 * SHA-256(BE32(len(secret)) ‖ secret ‖ BE32(len(canonical)) ‖ canonical), where canonical is
 * `v1\nshort\n<sandbox-id>\n<port>\n<expires_b36>\n`. Length prefixes keep secret and message
 * apart without an HMAC, as the OpenSandbox ingress computes it.
 */
export function routeSignatureHex(secret: Buffer, route: SignedRoute): string {
  const canonical = Buffer.from(
    `v1\nshort\n${route.sandboxId}\n${route.port}\n${route.expiresB36}\n`,
  );
  return createHash('sha256')
    .update(lengthOf(secret))
    .update(secret)
    .update(lengthOf(canonical))
    .update(canonical)
    .digest()
    .subarray(0, 4)
    .toString('hex');
}

function lengthOf(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return length;
}
