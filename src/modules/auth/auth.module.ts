import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module.js';
import { AccessControl } from './access.control.js';
import { BrowserSessions } from './browser-sessions.js';
import { routerCredentialsProvider } from './router-credentials.factory.js';
import { SecureAccessGuard } from './secure-access.guard.js';

@Module({
  imports: [RoutingModule],
  providers: [routerCredentialsProvider, SecureAccessGuard, BrowserSessions, AccessControl],
  exports: [AccessControl],
})
export class AuthModule {}
