import { Module } from '@nestjs/common';
import {
  proxyConfig,
  type ProxyConfig,
  resolutionConfig,
  type ResolutionConfig,
  routingConfig,
  type RoutingConfig,
} from '../config/router.config.js';
import { InformerRegistry } from '../kubernetes/informer.registry.js';
import { KubernetesModule } from '../kubernetes/kubernetes.module.js';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { SandboxLifecycles } from '../lifecycle/sandbox.lifecycles.js';
import { AgentSandboxResolver } from './agent-sandbox.resolver.js';
import { BatchSandboxResolver } from './batch-sandbox.resolver.js';
import { DnsResolver } from './dns.resolver.js';
import { PodIpResolver } from './pod-ip.resolver.js';
import { SANDBOX_RESOLVER } from './resolution.constants.js';
import { ResolverChain } from './resolver.chain.js';
import type { LifecycleFactory } from './sandbox.lifecycle.js';
import type { SandboxResolver } from './sandbox.resolver.js';
import { StaticResolver } from './static.resolver.js';

type ProviderName = ResolutionConfig['providers'][number];

/** What the custom-resource providers need besides their config. */
export interface ResolverDeps {
  readonly informers: InformerRegistry;
  readonly readyWaitMs: number;
  /** Wake on traffic and keep-alive (lifecycle/), per custom-resource kind. */
  readonly lifecycle?: LifecycleFactory;
}

type ProviderFactory = (
  resolution: ResolutionConfig,
  routing: RoutingConfig,
  deps: ResolverDeps,
) => SandboxResolver;

const PROVIDERS: Record<ProviderName, ProviderFactory> = {
  dns: (resolution, routing) =>
    new DnsResolver(resolution.dns.clusterDomain, routing.defaultNamespace),
  'agent-sandbox': (resolution, _routing, { informers, readyWaitMs, lifecycle }) =>
    new AgentSandboxResolver(informers, { resolution, readyWaitMs, lifecycle }),
  'batch-sandbox': (resolution, _routing, { informers, readyWaitMs, lifecycle }) =>
    new BatchSandboxResolver(informers, { resolution, readyWaitMs, lifecycle }),
  static: (resolution) => new StaticResolver(resolution.static.sandboxes),
};

/** The one place that turns `resolution.providers` into resolvers. */
export function createResolver(
  resolution: ResolutionConfig,
  routing: RoutingConfig,
  proxy: ProxyConfig,
  informers: InformerRegistry,
  lifecycles?: SandboxLifecycles,
) {
  const deps: ResolverDeps = {
    informers,
    readyWaitMs: proxy.readyWaitSeconds * 1000,
    lifecycle: lifecycles && ((kind) => lifecycles.forKind(kind)),
  };
  const providers = resolution.providers.map((name) => PROVIDERS[name](resolution, routing, deps));
  // An explicit, vetted pod address outranks any lookup, as in the agent-sandbox router.
  return new ResolverChain(routing.allowPodIp ? [new PodIpResolver(), ...providers] : providers);
}

@Module({
  imports: [KubernetesModule, LifecycleModule],
  providers: [
    {
      provide: SANDBOX_RESOLVER,
      inject: [
        resolutionConfig.KEY,
        routingConfig.KEY,
        proxyConfig.KEY,
        InformerRegistry,
        SandboxLifecycles,
      ],
      useFactory: createResolver,
    },
  ],
  exports: [SANDBOX_RESOLVER],
})
export class ResolutionModule {}
