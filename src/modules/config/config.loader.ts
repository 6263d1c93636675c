import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type RouterConfig, routerConfigSchema } from './config.schema.js';
import { fromSandboxFusion } from './sandbox-fusion.config.js';

export interface ConfigSource {
  env: Record<string, string | undefined>;
  argv: readonly string[];
}

export interface LoadedConfig {
  config: RouterConfig;
  /** Values that were ignored in favour of a default; logged once the logger exists. */
  warnings: string[];
}

/** Every problem of an invalid configuration, one line each, naming the key. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
  }
}

type Coerce = (raw: string) => unknown;

const integer: Coerce = (raw) => (/^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw);
const list: Coerce = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
// The agent-sandbox router's truthy set.
const TRUTHY = new Set(['1', 'true', 't', 'yes', 'y', 'on']);
const flag: Coerce = (raw) => TRUTHY.has(raw.trim().toLowerCase());

/** Env name -> config path and how to read the string. Env wins over the file. */
const ENV_KEYS: Record<string, { path: string[]; coerce?: Coerce }> = {
  PORT: { path: ['port'], coerce: integer },
  ADMIN_PORT: { path: ['adminPort'], coerce: integer },
  LOG_LEVEL: { path: ['logLevel'], coerce: (raw) => raw.trim().toLowerCase() },
  ACCESS_LOG: { path: ['accessLog'], coerce: flag },
  TRUSTED_PROXY_CIDRS: { path: ['trustedProxyCidrs'], coerce: list },
  ROUTER_AUTH_TOKEN: { path: ['auth', 'token'], coerce: (raw) => raw.trim() },
  ALLOW_UNAUTHENTICATED_ROUTER: { path: ['auth', 'allowUnauthenticated'], coerce: flag },
  SCOPED_TOKEN_SECRET: { path: ['auth', 'scopedTokenSecret'] },
  SECURE_ACCESS_KEYS: { path: ['auth', 'secureAccessKeys'] },
  MAX_KEEPALIVE_CONNECTIONS: { path: ['proxy', 'maxKeepAliveConnections'], coerce: integer },
  WEBSOCKET_IDLE_TIMEOUT_SECONDS: { path: ['websocket', 'idleTimeoutSeconds'], coerce: integer },
  WEBSOCKET_MAX_LIFETIME_SECONDS: { path: ['websocket', 'maxLifetimeSeconds'], coerce: integer },
  WEBSOCKET_MAX_MESSAGE_BYTES: { path: ['websocket', 'maxMessageBytes'], coerce: integer },
  WEBSOCKET_MAX_CONNECTIONS_PER_CLIENT: {
    path: ['websocket', 'maxConnectionsPerClient'],
    coerce: integer,
  },
  // So a kustomize component (k8s/components/lifecycle) can turn them on beside its RBAC.
  LIFECYCLE_WAKE_ENABLED: { path: ['lifecycle', 'wake', 'enabled'], coerce: flag },
  LIFECYCLE_KEEPALIVE_ENABLED: { path: ['lifecycle', 'keepAlive', 'enabled'], coerce: flag },
  // A colon-separated list like kubectl's; the router reads the first file.
  KUBECONFIG: {
    path: ['resolution', 'kubernetes', 'kubeconfig'],
    coerce: (raw) => raw.split(':')[0] || undefined,
  },
};

export function loadRouterConfig(source: ConfigSource): LoadedConfig {
  const warnings: string[] = [];
  const raw = fromSandboxFusion(readConfigFile(source), warnings);
  const fromEnv = new Map<string, string>();

  for (const [name, { path, coerce }] of Object.entries(ENV_KEYS)) {
    const value = source.env[name];
    if (value === undefined) continue;
    setPath(raw, path, coerce ? coerce(value) : value);
    fromEnv.set(path.join('.'), name);
  }
  applyLenientEnv(raw, source.env, warnings);

  const parsed = routerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = [...issue.path, ...unrecognizedKey(issue)].join('.') || '(root)';
        const env = fromEnv.get(key);
        return `${key}${env ? ` (from ${env})` : ''}: ${issue.message}`;
      }),
    );
  }
  return { config: parsed.data, warnings };
}

/**
 * The agent-sandbox router falls back to the default, with a warning, on a bad
 * PROXY_TIMEOUT_SECONDS or an empty CLUSTER_DOMAIN instead of refusing to start; clients and
 * deployments rely on that, so these two keep that behaviour.
 */
function applyLenientEnv(
  raw: Record<string, unknown>,
  env: ConfigSource['env'],
  warnings: string[],
): void {
  const timeout = env.PROXY_TIMEOUT_SECONDS;
  if (timeout !== undefined) {
    const seconds = Number(timeout);
    if (timeout.trim() !== '' && Number.isFinite(seconds) && seconds > 0) {
      setPath(raw, ['proxy', 'timeoutSeconds'], seconds);
    } else {
      warnings.push(
        `PROXY_TIMEOUT_SECONDS=${JSON.stringify(timeout)} is not a positive number; using the default`,
      );
    }
  }
  const domain = env.CLUSTER_DOMAIN;
  if (domain !== undefined) {
    if (domain.trim() !== '') {
      setPath(raw, ['resolution', 'dns', 'clusterDomain'], domain.trim().replace(/\.$/, ''));
    } else {
      warnings.push('CLUSTER_DOMAIN is empty; using cluster.local');
    }
  }
}

function readConfigFile(source: ConfigSource): Record<string, unknown> {
  const file = configPathFrom(source);
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`config file ${file}: ${(error as Error).message}`]);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`config file ${file}: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([`config file ${file}: expected a mapping at the top level`]);
  }
  return document as Record<string, unknown>;
}

export function configPathFrom({ argv, env }: ConfigSource): string | undefined {
  const index = argv.findIndex((arg) => arg === '--config' || arg.startsWith('--config='));
  if (index >= 0) {
    const arg = argv[index];
    return arg === '--config' ? argv[index + 1] : arg.slice('--config='.length);
  }
  return env.ROUTER_CONFIG || undefined;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function unrecognizedKey(issue: { code: string; keys?: string[] }): string[] {
  return issue.code === 'unrecognized_keys' && issue.keys?.length === 1 ? issue.keys : [];
}
