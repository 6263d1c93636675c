import { isIP } from 'node:net';
import { z } from 'zod';

// One schema is both the validator and the type. `prefault({})` lets every nested block be
// omitted while its fields still get their defaults (zod 4 returns a plain `default` as is).

const seconds = z.number().nonnegative();
const portNumber = z.number().int().min(0).max(65535);
const dnsLabel = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

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
    trustedProxyCidrs: z.array(cidr).default([]),
    auth: z
      .object({
        token: z.string().default(''),
        allowUnauthenticated: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    routing: z
      .object({
        strategies: z
          .array(z.enum(['header']))
          .min(1)
          .default(['header']),
        defaultNamespace: z.string().regex(dnsLabel).max(63).default('default'),
        defaultPort: portNumber.min(1).default(8888),
        allowPodIp: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    resolution: z
      .object({
        providers: z
          .array(z.enum(['dns', 'static']))
          .min(1)
          .default(['dns']),
        dns: z
          .object({ clusterDomain: z.string().min(1).default('cluster.local') })
          .strict()
          .prefault({}),
        static: z
          .object({ sandboxes: z.record(z.string(), z.url({ protocol: /^https?$/ })).default({}) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    proxy: z
      .object({
        timeoutSeconds: seconds.positive().default(180),
        maxKeepAliveConnections: z.number().int().nonnegative().default(20),
        preserveHost: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    shutdown: z
      .object({ delaySeconds: seconds.default(5), graceSeconds: seconds.default(30) })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (!config.auth.token && !config.auth.allowUnauthenticated) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'token'],
        message:
          'no router token (ROUTER_AUTH_TOKEN); set one, or ALLOW_UNAUTHENTICATED_ROUTER=true to run without router auth',
      });
    }
  });

export type RouterConfig = z.infer<typeof routerConfigSchema>;
/** What a YAML file or a test may give: every key optional. */
export type RouterConfigInput = z.input<typeof routerConfigSchema>;
