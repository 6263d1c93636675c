import type { Provider } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { readBuildInfo } from '../../build-info.js';

/** The router's Prometheus registry: every series is `sandbox_router_*`, none has a sandbox label. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export const METRIC_PREFIX = 'sandbox_router_';

/** A registry with the process and Node metrics and `build_info`. */
function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const build = readBuildInfo();
  new Gauge({
    name: `${METRIC_PREFIX}build_info`,
    help: 'Version, commit and Node.js version of this router; always 1.',
    labelNames: ['version', 'commit', 'node'],
    registers: [registry],
  }).set({ version: build.version, commit: build.commit, node: process.version }, 1);
  return registry;
}

export const metricsRegistryProvider: Provider = {
  provide: METRICS_REGISTRY,
  useFactory: createMetricsRegistry,
};
