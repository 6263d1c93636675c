import { ConfigError, type LoadedConfig } from './config.loader.js';
import type { RouterConfig } from './config.schema.js';
import { processConfig } from './router.config.js';

/**
 * The configuration, or exit 1 with one line per problem on stderr: printed directly, so an
 * operator sees it even with logging off.
 */
export function configOrExit(): LoadedConfig {
  try {
    return processConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`sandbox-router: invalid configuration\n${error.problems.join('\n')}\n`);
    process.exit(1);
  }
}

/** The pool as the start-up line names it. */
export function poolSummary({ workers, service, strategy }: RouterConfig['pool']): string {
  if (service.name)
    return `service ${service.namespace}/${service.name}:${service.port} (${strategy})`;
  return workers.length > 0 ? `${workers.length} workers (${strategy})` : 'off';
}
