import { isIP } from 'node:net';
import { z } from 'zod';
import { authSchema } from './auth.schema.js';
import { serverSchema, tlsSchema } from './listener.schema.js';
import { poolSchema } from './pool.schema.js';
import { dnsLabel, portNumber, sandboxUrl, seconds } from './schema.values.js';

// One schema is both the validator and the type. `prefault({})` lets every nested block be
// omitted while its fields still get their defaults (zod 4 returns a plain `default` as is).

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
    server: serverSchema,
    tls: tlsSchema,
    auth: authSchema,
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
    pool: poolSchema,
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

export type RouterConfig = z.infer<typeof routerConfigSchema>;
/** What a YAML file or a test may give: every key optional. */
export type RouterConfigInput = z.input<typeof routerConfigSchema>;
