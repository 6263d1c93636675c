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
import { AgentSandboxResolver } from './agent-sandbox.resolver.js';
import { BatchSandboxResolver } from './batch-sandbox.resolver.js';
import { DnsResolver } from './dns.resolver.js';
import { PodIpResolver } from './pod-ip.resolver.js';
import { SANDBOX_RESOLVER } from './resolution.constants.js';
import { ResolverChain } from './resolver.chain.js';
import type { SandboxResolver } from './sandbox.resolver.js';
import { StaticResolver } from './static.resolver.js';

type ProviderName = ResolutionConfig['providers'][number];

/** What the custom-resource providers need besides their config. */
export interface ResolverDeps {
  readonly informers: InformerRegistry;
  readonly readyWaitMs: number;
}

type ProviderFactory = (
  resolution: ResolutionConfig,
  routing: RoutingConfig,
  deps: ResolverDeps,
) => SandboxResolver;

const PROVIDERS: Record<ProviderName, ProviderFactory> = {
  dns: (resolution, routing) =>
    new DnsResolver(resolution.dns.clusterDomain, routing.defaultNamespace),
  'agent-sandbox': (resolution, _routing, { informers, readyWaitMs }) =>
    new AgentSandboxResolver(informers, { resolution, readyWaitMs }),
  'batch-sandbox': (resolution, _routing, { informers, readyWaitMs }) =>
    new BatchSandboxResolver(informers, { resolution, readyWaitMs }),
  static: (resolution) => new StaticResolver(resolution.static.sandboxes),
};

/** The one place that turns `resolution.providers` into resolvers. */
export function createResolver(
  resolution: ResolutionConfig,
  routing: RoutingConfig,
  proxy: ProxyConfig,
  informers: InformerRegistry,
) {
  const deps = { informers, readyWaitMs: proxy.readyWaitSeconds * 1000 };
  const providers = resolution.providers.map((name) => PROVIDERS[name](resolution, routing, deps));
  // An explicit, vetted pod address outranks any lookup, as in the agent-sandbox router.
  return new ResolverChain(routing.allowPodIp ? [new PodIpResolver(), ...providers] : providers);
}

@Module({
  imports: [KubernetesModule],
  providers: [
    {
      provide: SANDBOX_RESOLVER,
      inject: [resolutionConfig.KEY, routingConfig.KEY, proxyConfig.KEY, InformerRegistry],
      useFactory: createResolver,
    },
  ],
  exports: [SANDBOX_RESOLVER],
})
export class ResolutionModule {}
