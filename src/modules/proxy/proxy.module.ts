import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { ResolutionModule } from '../resolution/resolution.module.js';
import { RoutingModule } from '../routing/routing.module.js';
import { GrpcProxy } from './grpc.proxy.js';
import { UpstreamH2Sessions } from './h2-upstream.sessions.js';
import { HttpProxy } from './http.proxy.js';
import { ProxyHook } from './proxy.hook.js';
import { RequestRouter } from './request.router.js';
import { UpstreamPools } from './upstream.pools.js';
import { UpstreamConnector } from './upstream.connector.js';
import { SystemLookup, UPSTREAM_LOOKUP } from './upstream.lookup.js';

@Module({
  imports: [RoutingModule, ResolutionModule, AuthModule, LimitsModule],
  providers: [
    { provide: UPSTREAM_LOOKUP, useClass: SystemLookup },
    UpstreamConnector,
    UpstreamPools,
    UpstreamH2Sessions,
    GrpcProxy,
    RequestRouter,
    HttpProxy,
    ProxyHook,
  ],
  // RoutingModule brings TrustedProxies.
  exports: [RoutingModule, RequestRouter, UpstreamConnector, UpstreamPools, ProxyHook],
})
export class ProxyModule {}
