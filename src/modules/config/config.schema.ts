import { isIP } from 'node:net';
import { z } from 'zod';

// One schema is both the validator and the type. `prefault({})` lets every nested block be
// omitted while its fields still get their defaults (zod 4 returns a plain `default` as is).

const seconds = z.number().nonnegative();
const sandboxUrl = z.url({ protocol: /^https?$/ });
const portNumber = z.number().int().min(0).max(65535);
const dnsLabel = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
/** A base domain for host routing; `*.` or `.` in front is allowed and ignored. */
const domainName = /^(?:\*?\.)?[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?\.?$/i;

const cidr = z.string().refine(
  (value) => {
    const [address, prefix, ...rest] = value.split('/');
    const family = isIP(address);
    if (!family || rest.length > 0) return false;
    if (prefix === undefined) return true;
    const bits = Number(prefix);
    return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
  },
  { message: 'expected an IP address or CIDR such as 10.0.0.0/8' },
);

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'off'] as const;

export const routerConfigSchema = z
  .object({
    port: portNumber.default(8080),
    adminPort: portNumber.default(9090),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    // One JSON line per request / WebSocket, whatever logLevel says.
    accessLog: z.boolean().default(true),
    trustedProxyCidrs: z.array(cidr).default([]),
    server: z
      .object({
        // A client that has not sent its whole header block by then is cut (slowloris).
        headersTimeoutSeconds: seconds.positive().default(30),
        // Request line and headers together; more is 431.
        maxHeaderBytes: z.number().int().min(1024).default(16384),
        // An idle keep-alive connection from a client is closed after this.
        keepAliveTimeoutSeconds: seconds.positive().default(75),
      })
      .strict()
      .prefault({}),
    tls: z
      .object({
        // A second listener, HTTPS with ALPN h2 and http/1.1; 0 = off.
        port: portNumber.default(0),
        // PEM files, re-read within 2 s of changing on disk.
        certFile: z.string().default(''),
        keyFile: z.string().default(''),
        // PEM CA bundle: clients are asked for a certificate signed by it (mTLS).
        clientCaFile: z.string().default(''),
        // With a client CA: `required` refuses clients without a valid certificate.
        clientAuth: z.enum(['optional', 'required']).default('required'),
      })
      .strict()
      .superRefine((tls, ctx) => {
        if (tls.port === 0) return;
        for (const key of ['certFile', 'keyFile'] as const) {
          if (tls[key]) continue;
          ctx.addIssue({ code: 'custom', path: [key], message: 'tls.port needs a PEM file' });
        }
      })
      .prefault({}),
    auth: z
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
      .prefault({}),
    limits: z
      .object({
        // Token bucket per client (its identity as the WebSocket cap computes it); 0 = off.
        perClientRps: seconds.default(0),
        // Bucket size; 0 = one second's worth (perClientRps, at least 1).
        perClientBurst: z.number().int().nonnegative().default(0),
        // Concurrent requests + WebSockets per sandbox; 0 = off.
        maxConnectionsPerSandbox: z.number().int().nonnegative().default(0),
      })
      .strict()
      .prefault({}),
    routing: z
      .object({
        // header = agent-sandbox X-Sandbox-* dialect, then OpenSandbox-Ingress-To. Tried in order.
        strategies: z
          .array(z.enum(['header', 'host', 'path']))
          .min(1)
          .default(['header', 'host']),
        defaultNamespace: z.string().regex(dnsLabel).max(63).default('default'),
        defaultPort: portNumber.min(1).default(8888),
        allowPodIp: z.boolean().default(false),
        host: z
          .object({
            // Base domains whose subdomains name sandboxes: `sb-8080.<domain>`. Empty: host routing off.
            domains: z.array(z.string().regex(domainName)).default([]),
            format: z.enum(['name-port', 'port-name', 'name-namespace-port']).default('name-port'),
          })
          .strict()
          .prefault({}),
        path: z
          .object({
            // `<prefix>/<sandbox-id>/<port>/...`; empty or `/x`, no trailing slash.
            prefix: z
              .string()
              .regex(
                /^(?:\/[^/?#\s]+)*$/,
                'expected "" or a path like /sandboxes, without a trailing /',
              )
              .default(''),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    resolution: z
      .object({
        providers: z
          .array(z.enum(['dns', 'agent-sandbox', 'batch-sandbox', 'static']))
          .min(1)
          .default(['dns']),
        dns: z
          .object({ clusterDomain: z.string().min(1).default('cluster.local') })
          .strict()
          .prefault({}),
        kubernetes: z
          .object({
            // Empty: watch every namespace (cluster-wide list/watch).
            namespaces: z.array(z.string().regex(dnsLabel).max(63)).default([]),
            // Path of a kubeconfig (KUBECONFIG); unset: the pod's service account (in-cluster).
            kubeconfig: z.string().min(1).optional(),
          })
          .strict()
          .prefault({}),
        agentSandbox: z
          .object({
            // v1beta1 is the storage version; v1alpha1 is deprecated but still served.
            version: z
              .string()
              .regex(/^v\d+(?:(?:alpha|beta)\d+)?$/)
              .default('v1beta1'),
            // podIP: connect to the first status.podIPs entry, no DNS on the hot path.
            target: z.enum(['serviceFQDN', 'podIP']).default('serviceFQDN'),
          })
          .strict()
          .prefault({}),
        static: z
          .object({
            // id -> base URL, or {url, secureAccessToken} for a sandbox with per-sandbox access.
            sandboxes: z
              .record(
                z.string(),
                z.union([
                  sandboxUrl,
                  z.object({ url: sandboxUrl, secureAccessToken: z.string().min(1) }).strict(),
                ]),
              )
              .default({}),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    proxy: z
      .object({
        timeoutSeconds: seconds.positive().default(180),
        connectRetrySeconds: seconds.default(0),
        // How long a request for a known, starting sandbox is held for its ready event (0: 503 at once).
        readyWaitSeconds: seconds.default(0),
        maxKeepAliveConnections: z.number().int().nonnegative().default(20),
        preserveHost: z.boolean().default(false),
        // A request body over this many bytes is refused (413) or cut; 0 = no cap.
        maxBodyBytes: z.number().int().nonnegative().default(0),
      })
      .strict()
      .prefault({}),
    websocket: z
      .object({
        // Each limit: 0 disables it. Idle = no message either way (pings and pongs don't count).
        idleTimeoutSeconds: seconds.default(3600),
        maxLifetimeSeconds: seconds.default(86400),
        maxMessageBytes: z.number().int().nonnegative().default(16777216),
        maxConnectionsPerClient: z.number().int().nonnegative().default(64),
        // The router pings the upstream leg so intermediaries keep a quiet socket; 0 = never.
        pingIntervalSeconds: seconds.default(0),
        // Drop the browser's Origin instead of forwarding it (upstreams that check it against their own host).
        stripOrigin: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    pool: z
      .object({
        // The SandboxFusion worker pool (SPEC §3.5): requests without a route key go here.
        workers: z
          .array(
            z
              .object({
                url: z.url({ protocol: /^https?$/ }),
                weight: z.number().int().positive().default(1),
              })
              .strict(),
          )
          .default([]),
        // Or discover the workers from a Service's ready EndpointSlice endpoints; name "" = off.
        service: z
          .object({
            namespace: z.string().default(''),
            name: z.string().default(''),
            port: portNumber.default(0),
            // discovery.k8s.io version; v1beta1 for API servers before 1.21.
            version: z.enum(['v1', 'v1beta1']).default('v1'),
          })
          .strict()
          .superRefine((service, ctx) => {
            if (!service.name) return;
            if (!dnsLabel.test(service.namespace)) {
              ctx.addIssue({
                code: 'custom',
                path: ['namespace'],
                message: 'expected a namespace',
              });
            }
            if (service.port < 1) {
              ctx.addIssue({ code: 'custom', path: ['port'], message: 'expected a port 1-65535' });
            }
          })
          .prefault({}),
        strategy: z
          .enum(['round_robin', 'random', 'least_connections', 'weighted'])
          .default('round_robin'),
        healthCheckIntervalSeconds: seconds.positive().default(30),
        // The wait for a worker's response head, per attempt.
        timeoutSeconds: seconds.positive().default(300),
        // Attempts per request, never more than there are workers.
        maxAttempts: z.number().int().min(1).default(3),
        // Bodies up to this size are kept to replay on another worker; larger ones go once.
        maxReplayBodyBytes: z.number().int().nonnegative().default(10485760),
        circuit: z
          .object({
            // Consecutive failed attempts that open a worker's circuit.
            failureThreshold: z.number().int().min(1).default(5),
            // How long an open circuit keeps the worker out before one probe request decides.
            cooldownSeconds: seconds.default(30),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .superRefine((pool, ctx) => {
        if (pool.workers.length > 0 && pool.service.name) {
          ctx.addIssue({
            code: 'custom',
            path: ['service'],
            message: 'give pool.workers or pool.service, not both',
          });
        }
      })
      .prefault({}),
    lifecycle: z
      .object({
        wake: z
          .object({
            // Resume a suspended sandbox on its first request, holding the requests meanwhile.
            enabled: z.boolean().default(false),
            // Every sandbox, not only those annotated sandbox-router.io/wake-on-traffic: "true".
            allSandboxes: z.boolean().default(false),
            timeoutSeconds: seconds.positive().default(60),
            // Requests held at once by this router, over all sandboxes.
            maxHeld: z.number().int().nonnegative().default(1024),
          })
          .strict()
          .prefault({}),
        keepAlive: z
          .object({
            // Traffic moves an opted-in sandbox's expiry forward.
            enabled: z.boolean().default(false),
            // A WebSocket with no message for this long stops counting as activity.
            websocketIdleSeconds: seconds.positive().default(300),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    shutdown: z
      .object({ delaySeconds: seconds.default(5), graceSeconds: seconds.default(30) })
      .strict()
      .prefault({}),
  })
  .strict();

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

export type RouterConfig = z.infer<typeof routerConfigSchema>;
/** What a YAML file or a test may give: every key optional. */
export type RouterConfigInput = z.input<typeof routerConfigSchema>;
