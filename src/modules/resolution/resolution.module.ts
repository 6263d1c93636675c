import { Module } from '@nestjs/common';
import {
  resolutionConfig,
  type ResolutionConfig,
  routingConfig,
  type RoutingConfig,
} from '../config/router.config.js';
import { DnsResolver } from './dns.resolver.js';
import { PodIpResolver } from './pod-ip.resolver.js';
import { SANDBOX_RESOLVER } from './resolution.constants.js';
import { ResolverChain } from './resolver.chain.js';
import type { SandboxResolver } from './sandbox.resolver.js';
import { StaticResolver } from './static.resolver.js';

type ProviderName = ResolutionConfig['providers'][number];

type ProviderFactory = (resolution: ResolutionConfig, routing: RoutingConfig) => SandboxResolver;

const PROVIDERS: Record<ProviderName, ProviderFactory> = {
  dns: (resolution, routing) =>
    new DnsResolver(resolution.dns.clusterDomain, routing.defaultNamespace),
  static: (resolution) => new StaticResolver(resolution.static.sandboxes),
};

/** The one place that turns `resolution.providers` into resolvers. */
export function createResolver(resolution: ResolutionConfig, routing: RoutingConfig) {
  const providers = resolution.providers.map((name) => PROVIDERS[name](resolution, routing));
  // An explicit, vetted pod address outranks any lookup, as in the agent-sandbox router.
  return new ResolverChain(routing.allowPodIp ? [new PodIpResolver(), ...providers] : providers);
}

@Module({
  providers: [
    {
      provide: SANDBOX_RESOLVER,
      inject: [resolutionConfig.KEY, routingConfig.KEY],
      useFactory: createResolver,
    },
  ],
  exports: [SANDBOX_RESOLVER],
})
export class ResolutionModule {}
