import { Module } from '@nestjs/common';
import { ProxyModule } from '../proxy/proxy.module.js';
import { ClientLegAcceptor } from './client-leg.acceptor.js';
import { OpenSocketRegistry } from './open-sockets.registry.js';
import { UpgradeHandler } from './upgrade.handler.js';
import { UpstreamDialer } from './upstream.dialer.js';

/** WebSocket proxying on the router's main port (SPEC §4.3), and the open-socket count. */
@Module({
  imports: [ProxyModule],
  providers: [OpenSocketRegistry, UpstreamDialer, ClientLegAcceptor, UpgradeHandler],
  exports: [OpenSocketRegistry],
})
export class WebSocketModule {}
