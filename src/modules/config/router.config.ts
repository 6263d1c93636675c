import type { Provider } from '@nestjs/common';
import { type ConfigType, registerAs } from '@nestjs/config';
import {
  type ConfigSource,
  configPathFrom,
  type LoadedConfig,
  loadRouterConfig,
} from './config.loader.js';
import type { RouterConfig } from './config.schema.js';

let loaded: LoadedConfig | undefined;

const processSource = (): ConfigSource => ({ env: process.env, argv: process.argv });

/**
 * The process configuration, validated once. The only reader of `process.env` and `argv`;
 * throws ConfigError listing every problem.
 */
export function processConfig(): LoadedConfig {
  loaded ??= loadRouterConfig(processSource());
  return loaded;
}

/** The config file, read again on demand: the worker list's live reload. */
export interface ConfigFile {
  readonly path: string;
  /** The whole configuration as the file says now, env still winning; throws ConfigError. */
  load(): RouterConfig;
}

/** A ConfigFile, or null when the router was started without one. */
export const CONFIG_FILE = Symbol('CONFIG_FILE');

/** The file `source` names (`--config`, else ROUTER_CONFIG), loaded as at start-up. */
export function configFileFrom(source: ConfigSource): ConfigFile | null {
  const path = configPathFrom(source);
  return path ? { path, load: () => loadRouterConfig(source).config } : null;
}

export const configFileProvider: Provider = {
  provide: CONFIG_FILE,
  useFactory: () => configFileFrom(processSource()),
};

type Block =
  | 'auth'
  | 'tls'
  | 'limits'
  | 'routing'
  | 'resolution'
  | 'proxy'
  | 'websocket'
  | 'pool'
  | 'lifecycle'
  | 'shutdown';

const namespace = <K extends Block>(key: K) =>
  registerAs(key, (): RouterConfig[K] => processConfig().config[key]);

export const authConfig = namespace('auth');
export const tlsConfig = namespace('tls');
export const limitsConfig = namespace('limits');
export const routingConfig = namespace('routing');
export const resolutionConfig = namespace('resolution');
export const proxyConfig = namespace('proxy');
export const websocketConfig = namespace('websocket');
export const poolConfig = namespace('pool');
export const lifecycleConfig = namespace('lifecycle');
export const shutdownConfig = namespace('shutdown');
/** Listener-level settings that have no block of their own in the file. */
export const serverConfig = registerAs('server', () => serverSettings(processConfig().config));

/** The `server` namespace's slice of a whole configuration. */
export function serverSettings(config: RouterConfig) {
  const { port, adminPort, logLevel, accessLog, trustedProxyCidrs, server } = config;
  return { port, adminPort, logLevel, accessLog, trustedProxyCidrs, ...server };
}

export type AuthConfig = ConfigType<typeof authConfig>;
export type TlsConfig = ConfigType<typeof tlsConfig>;
export type LimitsConfig = ConfigType<typeof limitsConfig>;
export type RoutingConfig = ConfigType<typeof routingConfig>;
export type ResolutionConfig = ConfigType<typeof resolutionConfig>;
export type ProxyConfig = ConfigType<typeof proxyConfig>;
export type WebSocketConfig = ConfigType<typeof websocketConfig>;
export type PoolConfig = ConfigType<typeof poolConfig>;
export type LifecycleConfig = ConfigType<typeof lifecycleConfig>;
export type ShutdownConfig = ConfigType<typeof shutdownConfig>;
export type ServerConfig = ConfigType<typeof serverConfig>;

export const CONFIG_NAMESPACES = [
  authConfig,
  tlsConfig,
  limitsConfig,
  routingConfig,
  resolutionConfig,
  proxyConfig,
  websocketConfig,
  poolConfig,
  lifecycleConfig,
  shutdownConfig,
  serverConfig,
];
