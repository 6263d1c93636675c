/** Milliseconds per `grpc-timeout` unit: Hours, Minutes, Seconds, milli, micro, nano. */
const UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};

/**
 * The deadline a gRPC client sent (`grpc-timeout: 1500m`: at most 8 digits and a unit), in
 * milliseconds; undefined when there is none or it is malformed (the call then has no deadline,
 * as grpc servers treat it). Sub-millisecond deadlines round up to 1 ms.
 */
export function grpcTimeoutMs(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,8}[HMSmun]$/.test(value)) return undefined;
  const ms = Number(value.slice(0, -1)) * UNIT_MS[value.at(-1)!];
  return Math.max(1, Math.ceil(ms));
}
