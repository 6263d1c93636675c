import type { LogLevel } from '@nestjs/common';
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

const LEVELS: Record<RouterConfig['logLevel'], LogLevel[]> = {
  debug: ['debug', 'verbose', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
  off: [],
};

export const logLevels = (level: RouterConfig['logLevel']): LogLevel[] => LEVELS[level];

/** The pool as the start-up line names it. */
export function poolSummary({ workers, service, strategy }: RouterConfig['pool']): string {
  if (service.name)
    return `service ${service.namespace}/${service.name}:${service.port} (${strategy})`;
  return workers.length > 0 ? `${workers.length} workers (${strategy})` : 'off';
}
