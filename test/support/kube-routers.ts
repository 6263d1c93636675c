import { request as httpRequest } from 'node:http';
import type { RouterConfigInput } from '../../src/modules/config/config.schema.js';
import { AgentSandboxResolver } from '../../src/modules/resolution/agent-sandbox.resolver.js';
import type { IndexedSandboxResolver } from '../../src/modules/resolution/indexed.resolver.js';
import { SANDBOX_RESOLVER } from '../../src/modules/resolution/resolution.constants.js';
import type { ResolverChain } from '../../src/modules/resolution/resolver.chain.js';
import type { SandboxIndex } from '../../src/modules/resolution/sandbox.index.js';
import type { KubeApiServer } from './kube-apiserver.js';
import { MappedLookup } from './mapped-lookup.js';
import { type KubeSandboxes, startSandboxCluster, startSyncedRouter } from './kube-sandboxes.js';
import type { RouterOptions, RunningRouter } from './router-app.js';
import { startUpstream, type Upstream } from './upstream.js';
import { startWsUpstream, type WsUpstream } from './ws.js';

/** A router's options but for `resolution`, which the cluster fills in. */
export type ClusterRouterOptions = RouterOptions & {
  config?: Omit<RouterConfigInput, 'resolution'>;
};

export interface SandboxClusterOptions<Name extends string> {
  /** Created before any router starts. */
  namespaces: string[];
  /** The resolution providers of every router, each watching the test's API server. */
  providers: ('agent-sandbox' | 'batch-sandbox')[];
  /** The routers to start by name, in this order, each once its informers have listed. */
  routers: Record<Name, ClusterRouterOptions>;
}

export interface SandboxCluster<Name extends string> {
  readonly kube: KubeApiServer;
  readonly sandboxes: KubeSandboxes;
  /** An HTTP echo upstream and a WebSocket echo upstream, for the sandboxes to point at. */
  readonly upstream: Upstream;
  readonly wsUpstream: WsUpstream;
  /** Filled in place as they start, so `const { routers } = cluster` may be kept. */
  readonly routers: Readonly<Record<Name, RunningRouter>>;
}

/**
 * For one describe block: before its tests, a fresh kube-apiserver with the CRDs and
 * `namespaces`, the two upstreams and the routers; after them, stops all of it. Read the fields
 * in tests.
 */
export function useSandboxCluster<Name extends string>(
  options: SandboxClusterOptions<Name>,
): SandboxCluster<Name> {
  const started = { routers: {} } as {
    kube: KubeApiServer;
    sandboxes: KubeSandboxes;
    upstream: Upstream;
    wsUpstream: WsUpstream;
    routers: Record<Name, RunningRouter>;
  };
  beforeAll(async () => {
    Object.assign(started, await startSandboxCluster(options.namespaces));
    started.upstream = await startUpstream();
    started.wsUpstream = await startWsUpstream();
    const entries = Object.entries(options.routers) as [Name, ClusterRouterOptions][];
    const resolution = {
      providers: options.providers,
      kubernetes: { kubeconfig: started.kube.kubeconfig },
    };
    for (const [name, router] of entries) {
      started.routers[name] = await startSyncedRouter({
        ...router,
        config: { ...router.config, resolution },
      });
    }
  }, 90_000);
  afterAll(async () => {
    for (const router of Object.values<RunningRouter>(started.routers)) await router.close();
    await started.wsUpstream?.close();
    await started.upstream?.close();
    await started.kube?.stop();
  }, 30_000);
  return started;
}

/** Sends the cluster's Service names, and the pod address the tests write (127.0.0.1), to loopback. */
export const clusterLookup = () =>
  new MappedLookup((host) => host.endsWith('.svc.cluster.local') || host === '127.0.0.1');

/** The live index of one of a router's Kubernetes providers (agent-sandbox by default). */
export function resolverIndex(
  router: RunningRouter,
  type: new (...args: never[]) => IndexedSandboxResolver = AgentSandboxResolver,
): SandboxIndex {
  return router.app
    .get<ResolverChain>(SANDBOX_RESOLVER)
    .providers.find((p): p is IndexedSandboxResolver => p instanceof type)!.index;
}

/** A request on its own connection that the test drops (`req.destroy()`) while it is held. */
export function droppableRequest(router: RunningRouter, headers: Record<string, string>) {
  const req = httpRequest({
    host: '127.0.0.1',
    port: router.port,
    path: '/',
    headers,
    agent: false,
  });
  const closed = new Promise((resolve) => req.once('close', resolve));
  req.on('error', () => undefined);
  req.end();
  return { req, closed };
}
