import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module.js';
import { BodyLimit } from './body.limit.js';
import { ClientRateLimit } from './client-rate.limit.js';
import { SandboxSlots } from './sandbox-slots.limit.js';

/**
 * How much a client may ask (SPEC §9): body size, request rate, connections per sandbox. The
 * listener's own limits (header size and timeout, keep-alive) are set where the server is
 * made (http.adapter.ts, with client-error.responder.ts).
 */
@Module({
  imports: [RoutingModule],
  providers: [BodyLimit, ClientRateLimit, SandboxSlots],
  exports: [BodyLimit, ClientRateLimit, SandboxSlots],
})
export class LimitsModule {}
