import { z } from 'zod';
import { dnsLabel, portNumber, sandboxUrl, seconds } from './schema.values.js';

/** The `pool` block: the SandboxFusion worker pool (SPEC §3.5). */
export const poolSchema = z
  .object({
    // The SandboxFusion worker pool (SPEC §3.5): requests without a route key go here.
    workers: z
      .array(
        z
          .object({
            url: sandboxUrl,
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
  .prefault({});
