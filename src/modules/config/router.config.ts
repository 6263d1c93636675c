import { type ConfigType, registerAs } from '@nestjs/config';
import { type LoadedConfig, loadRouterConfig } from './config.loader.js';
import type { RouterConfig } from './config.schema.js';

let loaded: LoadedConfig | undefined;

/**
 * The process configuration, validated once. The only reader of `process.env` and `argv`;
 * throws ConfigError listing every problem.
 */
export function processConfig(): LoadedConfig {
  loaded ??= loadRouterConfig({ env: process.env, argv: process.argv });
  return loaded;
}

type Block = 'auth' | 'routing' | 'resolution' | 'proxy' | 'websocket' | 'shutdown';

const namespace = <K extends Block>(key: K) =>
  registerAs(key, (): RouterConfig[K] => processConfig().config[key]);

export const authConfig = namespace('auth');
export const routingConfig = namespace('routing');
export const resolutionConfig = namespace('resolution');
export const proxyConfig = namespace('proxy');
export const websocketConfig = namespace('websocket');
export const shutdownConfig = namespace('shutdown');
/** Listener-level settings that have no block of their own in the file. */
export const serverConfig = registerAs('server', () => {
  const { port, adminPort, logLevel, trustedProxyCidrs } = processConfig().config;
  return { port, adminPort, logLevel, trustedProxyCidrs };
});

export type AuthConfig = ConfigType<typeof authConfig>;
export type RoutingConfig = ConfigType<typeof routingConfig>;
export type ResolutionConfig = ConfigType<typeof resolutionConfig>;
export type ProxyConfig = ConfigType<typeof proxyConfig>;
export type WebSocketConfig = ConfigType<typeof websocketConfig>;
export type ShutdownConfig = ConfigType<typeof shutdownConfig>;
export type ServerConfig = ConfigType<typeof serverConfig>;

export const CONFIG_NAMESPACES = [
  authConfig,
  routingConfig,
  resolutionConfig,
  proxyConfig,
  websocketConfig,
  shutdownConfig,
  serverConfig,
];
