import { z } from 'zod';

// The `auth` block (SPEC §9): router credentials, secure-access keys, browser sessions.

export type AuthMode = 'bearer' | 'scoped-token' | 'none';

/** `auth.mode`, with the unset default settled: bearer when a token is set, else none. */
export function effectiveAuthMode(auth: { mode: AuthMode | ''; token: string }): AuthMode {
  return auth.mode || (auth.token ? 'bearer' : 'none');
}

const KEY_ID = /^[0-9a-z]$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * `SECURE_ACCESS_KEYS` (`a=<base64>,b=<base64>`): key id -> secret, and one problem per entry
 * that is not a one-character id `[0-9a-z]` with a non-empty base64 secret.
 */
export function parseSecureAccessKeys(raw: string): {
  keys: Map<string, Buffer>;
  problems: string[];
} {
  const keys = new Map<string, Buffer>();
  const problems: string[] = [];
  for (const entry of raw.split(',').map((item) => item.trim())) {
    if (!entry) continue;
    const cut = entry.indexOf('=');
    const id = cut < 0 ? entry : entry.slice(0, cut).trim();
    const secret = cut < 0 ? '' : entry.slice(cut + 1).trim();
    if (!KEY_ID.test(id)) {
      problems.push(`key "${id}": the key id must be one character [0-9a-z]`);
    } else if (keys.has(id)) {
      problems.push(`key "${id}": given twice`);
    } else if (!BASE64.test(secret) || Buffer.from(secret, 'base64').length === 0) {
      problems.push(`key "${id}": expected a non-empty base64 secret`);
    } else {
      keys.set(id, Buffer.from(secret, 'base64'));
    }
  }
  return { keys, problems };
}

export const authSchema = z
  .object({
    // Unset: bearer when a token is set, else none (which needs allowUnauthenticated).
    mode: z.enum(['', 'bearer', 'scoped-token', 'none']).default(''),
    token: z.string().default(''),
    allowUnauthenticated: z.boolean().default(false),
    // agent-sandbox scoped tokens: the HMAC secret, at least 32 bytes once trimmed.
    scopedTokenSecret: z.string().default(''),
    // OpenSandbox signed routes: `a=<base64>,b=<base64>`, checked by secureAccessKeys().
    secureAccessKeys: z.string().default(''),
    cookie: z
      .object({
        // A credential in the query is exchanged (302) for a cookie scoped to the sandbox.
        enabled: z.boolean().default(false),
        name: z
          .string()
          .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'expected a cookie name (an HTTP token)')
          .default('sandbox_session'),
        queryParam: z.string().min(1).default('sandbox_token'),
        // Origins (`https://app.example.com`) whose pages may open WebSockets with the cookie.
        allowedOrigins: z.array(z.string().min(1)).default([]),
        // Drops `Secure` from the cookie: local development over plain http only.
        insecure: z.boolean().default(false),
        // The cookie's lifetime; never past the credential's own expiry (scoped tokens).
        maxAgeSeconds: z.number().int().positive().default(3600),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  // On the block, not the root: a root refinement is skipped while any other key is
  // invalid, and the operator must see every problem at once.
  .superRefine((auth, ctx) => {
    const mode = effectiveAuthMode(auth);
    if (mode === 'bearer' && !auth.token) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'auth.mode bearer needs a router token (ROUTER_AUTH_TOKEN)',
      });
    }
    if (mode === 'none' && !auth.allowUnauthenticated) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message:
          'no router token (ROUTER_AUTH_TOKEN); set one, or ALLOW_UNAUTHENTICATED_ROUTER=true to run without router auth',
      });
    }
    if (mode === 'scoped-token' && Buffer.byteLength(auth.scopedTokenSecret.trim()) < 32) {
      ctx.addIssue({
        code: 'custom',
        path: ['scopedTokenSecret'],
        message: 'auth.mode scoped-token needs SCOPED_TOKEN_SECRET of at least 32 bytes',
      });
    }
    const keys = parseSecureAccessKeys(auth.secureAccessKeys);
    for (const problem of keys.problems) {
      ctx.addIssue({ code: 'custom', path: ['secureAccessKeys'], message: problem });
    }
  })
  .prefault({});
