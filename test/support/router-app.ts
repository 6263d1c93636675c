import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module.js';
import { http } from '../../src/http.adapter.js';
import {
  type RouterConfigInput,
  routerConfigSchema,
} from '../../src/modules/config/config.schema.js';
import {
  CONFIG_FILE,
  CONFIG_NAMESPACES,
  serverSettings,
} from '../../src/modules/config/router.config.js';
import { UPSTREAM_LOOKUP, type UpstreamLookup } from '../../src/modules/proxy/upstream.lookup.js';
import { MappedLookup } from './mapped-lookup.js';
import { type Handler, startUpstream, type Upstream } from './upstream.js';
import { startWsUpstream, type WsUpstream } from './ws.js';

export interface RouterOptions {
  /** Router configuration; router auth is off unless a token is given. */
  config?: RouterConfigInput;
  lookup?: UpstreamLookup;
  /** Further seams to swap (resolvers, clocks, clients). */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

export interface RunningRouter {
  app: NestFastifyApplication;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The real application on 127.0.0.1:0, configured through the same schema as production. */
export async function startRouter(options: RouterOptions = {}): Promise<RunningRouter> {
  const input = options.config ?? {};
  const config = routerConfigSchema.parse({
    // No admin listener and no access log on stdout unless a test asks for them.
    adminPort: 0,
    accessLog: false,
    ...input,
    auth: { allowUnauthenticated: !input.auth?.token, ...input.auth },
  });
  let builder = Test.createTestingModule({ imports: [AppModule] });
  for (const namespace of CONFIG_NAMESPACES) {
    builder = builder.overrideProvider(namespace.KEY).useValue(sliceFor(namespace.KEY, config));
  }
  // No config file to reload unless a test gives one (not jest's own `--config`).
  builder = builder.overrideProvider(CONFIG_FILE).useValue(null);
  if (options.lookup) builder = builder.overrideProvider(UPSTREAM_LOOKUP).useValue(options.lookup);
  if (options.override) builder = options.override(builder);

  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(http(config.server), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, port, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface RouterAndUpstream {
  readonly router: RunningRouter;
  /** Both upstreams record every request they saw (`requests`). */
  readonly upstream: Upstream;
  readonly wsUpstream: WsUpstream;
}

export interface RouterFixtureOptions extends Omit<RouterOptions, 'config'> {
  /** The HTTP upstream's handler; echo by default. */
  handler?: Handler;
  /** Router configuration, or a function of the started upstreams for one that names them. */
  config?:
    RouterConfigInput | ((upstreams: Omit<RouterAndUpstream, 'router'>) => RouterConfigInput);
}

/**
 * For one describe block: before its tests, an HTTP upstream, a WebSocket echo upstream and a
 * router (`options`); after them, closes all three. Read the fields in tests.
 */
export function useRouter(options: RouterFixtureOptions = {}): RouterAndUpstream {
  const { handler, config, ...routerOptions } = options;
  const started = {} as { router: RunningRouter; upstream: Upstream; wsUpstream: WsUpstream };
  beforeAll(async () => {
    started.upstream = await startUpstream(handler);
    started.wsUpstream = await startWsUpstream();
    started.router = await startRouter({
      ...routerOptions,
      config: typeof config === 'function' ? config(started) : config,
    });
  });
  afterAll(async () => {
    await started.router?.close();
    await started.wsUpstream?.close();
    await started.upstream?.close();
  });
  return started;
}

/** `useRouter` with a lookup that sends every name to 127.0.0.1 (route keys name the port). */
export const useRouterAndUpstream = (handler?: Handler): RouterAndUpstream =>
  useRouter({ handler, lookup: new MappedLookup() });

/** A static resolver with exactly these sandboxes (id -> URL, or URL and secure-access token). */
export const staticSandboxes = (
  sandboxes: NonNullable<NonNullable<RouterConfigInput['resolution']>['static']>['sandboxes'],
): RouterConfigInput['resolution'] => ({ providers: ['static'], static: { sandboxes } });

function sliceFor(key: string | symbol, config: ReturnType<typeof routerConfigSchema.parse>) {
  const name = String(key).replace(/^CONFIGURATION\((.*)\)$/, '$1');
  if (name === 'server') return serverSettings(config);
  return config[name as keyof typeof config];
}
