import { z } from 'zod';

// Value schemas the config blocks share.

export const seconds = z.number().nonnegative();
export const portNumber = z.number().int().min(0).max(65535);
export const sandboxUrl = z.url({ protocol: /^https?$/ });
export const dnsLabel = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
