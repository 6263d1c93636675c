import { z } from 'zod';
import { portNumber, seconds } from './schema.values.js';

// The client-facing listeners: the main port's slow-client limits, and the TLS port.

export const serverSchema = z
  .object({
    // A client that has not sent its whole header block by then is cut (slowloris).
    headersTimeoutSeconds: seconds.positive().default(30),
    // Request line and headers together; more is 431.
    maxHeaderBytes: z.number().int().min(1024).default(16384),
    // An idle keep-alive connection from a client is closed after this.
    keepAliveTimeoutSeconds: seconds.positive().default(75),
  })
  .strict()
  .prefault({});

export const tlsSchema = z
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
  .prefault({});
