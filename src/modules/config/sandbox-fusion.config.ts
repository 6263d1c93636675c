import { routerConfigSchema } from './config.schema.js';

/** The SandboxFusion router's `config.yaml` keys, and the pool settings they mean. */
const SANDBOX_FUSION_KEYS: Record<string, string> = {
  workers: 'workers',
  health_check_interval: 'healthCheckIntervalSeconds',
  timeout: 'timeoutSeconds',
  routing_strategy: 'strategy',
};
const WORKER_KEYS = new Set(['url', 'weight']);

/**
 * A SandboxFusion router `config.yaml` (top-level `workers`, `health_check_interval`, `timeout`,
 * `routing_strategy`) loads unchanged: its keys become the `pool` block. Keys that neither router
 * knows are reported in `warnings` and left out, so the file still loads.
 */
export function fromSandboxFusion(
  file: Record<string, unknown>,
  warnings: string[],
): Record<string, unknown> {
  if (!Object.keys(SANDBOX_FUSION_KEYS).some((key) => key in file)) return file;
  const ours = new Set(Object.keys(routerConfigSchema.shape));
  const pool: Record<string, unknown> = { ...(file.pool as object) };
  const out: Record<string, unknown> = { pool };
  for (const [key, value] of Object.entries(file)) {
    const poolKey = SANDBOX_FUSION_KEYS[key];
    if (poolKey === 'workers') pool.workers = workersOf(value, warnings);
    else if (poolKey) pool[poolKey] = value;
    else if (ours.has(key)) out[key] ??= value;
    else
      warnings.push(`config file: "${key}" is not a sandbox-router or SandboxFusion key; ignored`);
  }
  return out;
}

function workersOf(value: unknown, warnings: string[]): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((worker: unknown, index) => {
    if (typeof worker !== 'object' || worker === null) return worker;
    const kept: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(worker)) {
      if (WORKER_KEYS.has(key)) kept[key] = field;
      else warnings.push(`config file: workers[${index}].${key} is not used; ignored`);
    }
    return kept;
  });
}
